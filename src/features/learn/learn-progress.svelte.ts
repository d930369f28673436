/**
 * Progress through the lessons, remembered in this browser's localStorage (issue 13 §2): for
 * each lesson, the furthest step reached and whether it was finished. Nothing secret is kept —
 * step numbers only — and a store that cannot be read or written (storage blocked) just forgets.
 */
const STORAGE_KEY = 'pocket-kms:learn-progress';

export interface LessonProgress {
  /** The furthest step reached, counted from 1. */
  reached: number;
  steps: number;
  finished: boolean;
}

type Stored = Record<string, LessonProgress>;

function read(): Stored {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '{}');
    return typeof parsed === 'object' && parsed !== null ? (parsed as Stored) : {};
  } catch {
    return {};
  }
}

export class LearnProgress {
  private stored = $state<Stored>(read());

  of(lessonId: string): LessonProgress | undefined {
    return this.stored[lessonId];
  }

  /** Records that step `step` (from 1) of `steps` was shown; the last one finishes the lesson. */
  reach(lessonId: string, step: number, steps: number): void {
    const before = this.stored[lessonId];
    const reached = Math.max(step, before?.reached ?? 0);
    this.stored[lessonId] = {
      reached,
      steps,
      finished: (before?.finished ?? false) || step === steps,
    };
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify(this.stored));
    } catch {
      // Storage blocked or full: progress is simply not remembered.
    }
  }

  /** "Finished", "Step 3 of 12", or "Not started". */
  describe(lessonId: string): string {
    const progress = this.of(lessonId);
    if (!progress) return 'Not started';
    if (progress.finished) return 'Finished';
    return `Step ${progress.reached} of ${progress.steps}`;
  }
}
