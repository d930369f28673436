/**
 * The sandbox vault as the Learn pages see it (issue 13 §1): its client, its clock, and starting
 * over. Lessons run on the sandbox only, never on the person's vault; every place it appears is
 * labelled Sandbox.
 */
import {
  BACKGROUND_USER_AGENT,
  SANDBOX_VAULT_NAME,
  UI_USER_AGENT,
  type AdvanceClockRequest,
  type AuditEvent,
  type DescribeClockResponse,
  type MoveClockResponse,
} from '../../../workers/api.ts';
import { onVaultChanged, sandboxKms, type SandboxClient } from '../../kms/client.ts';
import { formatDateTime } from '../../ui/dates.ts';
import { Operation } from '../../ui/operation.svelte.ts';

/** The sandbox client a lesson's steps call: audited as the UI's calls are. */
export function sandboxClient(): SandboxClient {
  return sandboxKms(UI_USER_AGENT);
}

/**
 * The KmsId of the sandbox key a lesson uses, by its alias: made (symmetric, with that alias) the
 * first time, and made again when the learner has since disabled it or scheduled its deletion.
 */
export async function lessonKey(
  client: SandboxClient,
  aliasName: string,
  description: string,
): Promise<string> {
  const existing = await client.describeKey({ KeyId: aliasName }).then(
    (found) => found.KeyMetadata,
    (error: unknown) => {
      if ((error as Error).name === 'NotFoundException') return undefined;
      throw error;
    },
  );
  if (existing?.KeyState === 'Enabled') return existing.KeyId;
  const { KeyMetadata } = await client.createKey({ Description: description });
  if (existing) {
    await client.updateAlias({ AliasName: aliasName, TargetKeyId: KeyMetadata.KeyId });
  } else {
    await client.createAlias({ AliasName: aliasName, TargetKeyId: KeyMetadata.KeyId });
  }
  return KeyMetadata.KeyId;
}

/** What one move of the clock did, in a sentence. */
export function describeMove(move: MoveClockResponse): string {
  const events = move.HousekeepingEvents;
  const happened =
    events === 0
      ? 'nothing was due'
      : `housekeeping wrote ${events} event${events === 1 ? '' : 's'} (rotation, deletion or expiry)`;
  return `Sandbox clock moved to ${formatDateTime(move.Date)}; ${happened}.`;
}

/** How many of the sandbox log's newest records the clock panel shows. */
const LOG_SHOWN = 8;

export class SandboxClockState {
  clock = $state.raw<DescribeClockResponse | null>(null);
  /** The sandbox log's newest records (not its background reads), newest first. */
  log = $state.raw<AuditEvent[]>([]);
  readonly operation = new Operation();
  private readonly reads = sandboxKms(BACKGROUND_USER_AGENT);

  /** Reads the clock now and whenever any tab changes the sandbox; returns the stop function. */
  start(): () => void {
    void this.refresh();
    return onVaultChanged(() => void this.refresh(), SANDBOX_VAULT_NAME);
  }

  async refresh(): Promise<void> {
    try {
      this.clock = await this.reads.describeClock();
      this.log = (await this.reads.listAuditEvents({ Limit: LOG_SHOWN })).Events;
    } catch (error) {
      this.operation.error = error;
    }
  }

  /** Days ahead of the system clock, for "+N days" beside the date. */
  get daysAhead(): number {
    return Math.floor((this.clock?.OffsetInMilliseconds ?? 0) / 86_400_000);
  }

  async advance(request: AdvanceClockRequest): Promise<MoveClockResponse | undefined> {
    const moved = await this.operation.run(
      () => sandboxClient().advanceClock(request),
      describeMove,
    );
    await this.refresh();
    return moved;
  }

  async setTo(date: Date): Promise<MoveClockResponse | undefined> {
    const moved = await this.operation.run(
      () => sandboxClient().setClock({ Date: date }),
      describeMove,
    );
    await this.refresh();
    return moved;
  }

  async reset(): Promise<void> {
    await this.operation.run(
      () => sandboxClient().resetSandbox(),
      () => 'The sandbox was started over: no keys, an empty log, its clock back at today.',
    );
    await this.refresh();
  }
}
