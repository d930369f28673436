/**
 * The lessons' keyboard: → and ← move one step while focus is in a lesson's section, except in a
 * text field, where the arrows move the caret. Returns the move (+1, −1) and takes the key from
 * the page, or 0 for any other key.
 */
export function arrowStep(event: KeyboardEvent): -1 | 0 | 1 {
  if ((event.target as HTMLElement).closest('input, textarea, select')) return 0;
  const move = event.key === 'ArrowRight' ? 1 : event.key === 'ArrowLeft' ? -1 : 0;
  if (move !== 0) event.preventDefault();
  return move;
}
