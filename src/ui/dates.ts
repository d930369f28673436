/** How dates appear in the UI: the reader's locale, medium date and short time. */
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDateTime(date: Date | string | undefined): string {
  if (date === undefined) return '—';
  return dateTime.format(typeof date === 'string' ? new Date(date) : date);
}

export function formatDate(date: Date | string | undefined): string {
  if (date === undefined) return '—';
  return dateOnly.format(typeof date === 'string' ? new Date(date) : date);
}

/** The value of an <input type="datetime-local"> for a date, in local time. */
export function toDateTimeLocal(date: Date): string {
  const local = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}
