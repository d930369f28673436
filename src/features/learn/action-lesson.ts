/**
 * Lessons made of actions (issue 13 §2.3, §2.4): each step does one thing on the sandbox vault —
 * a call, or a move of its clock — and shows what came back, the calls it made in their three
 * forms, and the audit records they wrote. A step's `run` may be run once; the next step builds
 * on what it left.
 */
import type { KmsApi, SandboxApi } from '../../../workers/api.ts';
import { formatDateTime } from '../../ui/dates.ts';
import type { LessonCall } from './lesson-calls.ts';

export interface ActionFact {
  name: string;
  value: string;
}

export interface ActionOutcome {
  facts: ActionFact[];
  calls: LessonCall[];
}

export interface ActionStep {
  id: string;
  title: string;
  explanation: string;
  /** The button that runs the step. */
  action: string;
  run(): Promise<ActionOutcome>;
}

/** The sandbox for a lesson's steps, and the client its audit records are read with. */
export interface SandboxLessonClients {
  calls: SandboxApi;
  reads: KmsApi;
}

/** The error name a call was refused with, or "succeeded": what a lesson shows of a refusal. */
export function outcomeName(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'succeeded',
    (error: unknown) => (error instanceof Error ? error.name : 'failed'),
  );
}

/** A sandbox date as the lessons show it: the reader's locale, and the ISO form. */
export function sandboxDate(date: Date): string {
  return `${formatDateTime(date)} (${date.toISOString()})`;
}

/** What a clock move is, beside the calls: AWS has no such call — its time is real. */
export function clockCall(request: Record<string, unknown>): LessonCall {
  return {
    console: `await kmsSandbox.advanceClock(${JSON.stringify(request)})`,
    cli: '# No AWS equivalent: AWS KMS runs on real time. Wait, and this happens by itself.',
    sdk: '// No AWS equivalent: AWS KMS runs on real time.',
  };
}
