import { mount } from 'svelte';
import App from './App.svelte';
import { pageKms, sandboxKms, type KmsClient, type SandboxClient } from './kms/client.ts';
import './app.css';

declare global {
  interface Window {
    /** The same API the UI uses, for the devtools console and for tests. */
    kms: KmsClient;
    /** The sandbox vault (issue 13 §1): the same API plus its clock; never the person's vault. */
    kmsSandbox: SandboxClient;
  }
}

window.kms = pageKms();
window.kmsSandbox = sandboxKms();

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');
export default mount(App, { target });
