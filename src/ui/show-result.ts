/**
 * Where focus goes when an action ends. Its button is disabled while the action runs, and a
 * disabled button loses focus to <body> (Chromium, Firefox): without this a keyboard user
 * starts again from the top of the page, and the result may sit below the fold (issue 15).
 */
import { tick } from 'svelte';

/**
 * After the DOM shows the outcome: focuses the element with id `resultId` (the result) if it is
 * on the page, else `fallback` (the button that started the action, for a failure whose notice
 * is announced by its live region), and scrolls it into view.
 */
export async function focusOutcome(resultId: string, fallback?: HTMLElement | null): Promise<void> {
  await tick();
  const target = document.getElementById(resultId) ?? fallback;
  if (!target?.isConnected) return;
  target.focus({ preventScroll: true });
  target.scrollIntoView({ block: 'nearest' });
}

/** The submit button of the form a submit event came from. */
export function submitterOf(event: SubmitEvent): HTMLElement | null {
  return event.submitter instanceof HTMLElement ? event.submitter : null;
}
