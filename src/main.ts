import { mount } from 'svelte';
import App from './App.svelte';
import { pageKms, type KmsClient } from './kms/client.ts';
import './app.css';

declare global {
  interface Window {
    /** The same API the UI uses, for the devtools console and for tests. */
    kms: KmsClient;
  }
}

window.kms = pageKms();

const target = document.getElementById('app');
if (!target) throw new Error('#app missing from index.html');
export default mount(App, { target });
