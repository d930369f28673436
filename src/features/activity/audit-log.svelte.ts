/**
 * The Activity page's view of the audit log: filters, the records loaded so far (newest first,
 * a page at a time), the chain check and the export. Reading the log is itself an audited call
 * (ListAuditEvents), as in CloudTrail-backed AWS.
 */
import type {
  AuditEvent,
  ListAuditEventsRequest,
  ListAuditEventsResponse,
  VerifyAuditLogResponse,
} from '../../../workers/api.ts';
import { backgroundKms, kms, type KmsClient } from '../../kms/client.ts';
import { Operation } from '../../ui/operation.svelte.ts';

const PAGE_SIZE = 25;
/** ListAuditEvents' largest page (AWS's Limit). */
const MAX_PAGE = 1000;
const MINUTE_MS = 60_000;

/** Event names the log holds: every API operation, plus the service's own events. */
export const EVENT_NAMES = [
  'CancelKeyDeletion',
  'CreateAlias',
  'CreateKey',
  'Decrypt',
  'DecryptFile',
  'DeleteAlias',
  'DeleteExpiredKeyMaterial',
  'DeleteImportedKeyMaterial',
  'DeleteKey',
  'DeriveSharedSecret',
  'DescribeKey',
  'DisableKey',
  'DisableKeyRotation',
  'DiscardFileOutput',
  'EnableKey',
  'EnableKeyRotation',
  'Encrypt',
  'EncryptFile',
  'ExportAuditLog',
  'GenerateDataKey',
  'GenerateDataKeyPair',
  'GenerateDataKeyPairWithoutPlaintext',
  'GenerateDataKeyWithoutPlaintext',
  'GenerateMac',
  'GenerateRandom',
  'GetKeyRotationStatus',
  'GetParametersForImport',
  'GetPublicKey',
  'ImportKeyMaterial',
  'InspectCiphertext',
  'ListAliases',
  'ListAuditEvents',
  'ListKeyDetails',
  'ListKeyRotations',
  'ListKeys',
  'ListResourceTags',
  'ReEncrypt',
  'RotateKey',
  'RotateKeyOnDemand',
  'ScheduleKeyDeletion',
  'Sign',
  'SignFile',
  'TagResource',
  'UntagResource',
  'UpdateAlias',
  'UpdateKeyDescription',
  'Verify',
  'VerifyAuditLog',
  'VerifyFile',
  'VerifyMac',
] as const;

export interface AuditFilters {
  eventName: string;
  keyId: string;
  errorsOnly: boolean;
  /** Values of <input type="datetime-local">, local time; empty for no bound. */
  from: string;
  to: string;
  /** Also show the reads the UI made on its own to draw its pages (pocket-kms-ui/background). */
  includeBackgroundReads: boolean;
}

export function noFilters(): AuditFilters {
  return {
    eventName: '',
    keyId: '',
    errorsOnly: false,
    from: '',
    to: '',
    includeBackgroundReads: false,
  };
}

export class AuditLog {
  filters = $state<AuditFilters>(noFilters());
  events = $state.raw<AuditEvent[]>([]);
  /** Where the next page starts; undefined when every matching record is shown. */
  nextMarker = $state<string | undefined>();
  loaded = $state(false);
  readonly loading = new Operation();

  verification = $state.raw<VerifyAuditLogResponse | null>(null);
  readonly verifying = new Operation();
  /** Records checked so far and in all, while a full walk runs; null otherwise. */
  walk = $state.raw<{ done: number; total: number } | null>(null);
  /** The last full walk was cancelled before it finished. */
  walkCancelled = $state(false);
  #walkController: AbortController | undefined;
  readonly exporting = new Operation();

  /**
   * `client` makes the calls a person starts (Apply, Refresh, Load more, Verify, Export);
   * `background` the page's own first listing, which Activity then hides like other such reads.
   */
  constructor(
    private readonly client: KmsClient,
    private readonly background: KmsClient = client,
  ) {}

  #request(): ListAuditEventsRequest {
    const { eventName, keyId, errorsOnly, from, to, includeBackgroundReads } = this.filters;
    return {
      Limit: PAGE_SIZE,
      IncludeBackgroundReads: includeBackgroundReads,
      ...(eventName && { EventName: eventName }),
      ...(keyId && { KeyId: keyId }),
      ...(errorsOnly && { ErrorsOnly: true }),
      // A request sent to the worker, never reactive state: plain Dates are what it takes.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- not state (above)
      ...(from && { StartTime: new Date(from) }),
      // The picker has minutes; "to 10:30" means up to the end of that minute.
      // eslint-disable-next-line svelte/prefer-svelte-reactivity -- not state (above)
      ...(to && { EndTime: new Date(new Date(to).getTime() + MINUTE_MS - 1) }),
    };
  }

  /**
   * Loads the newest page under the current filters, replacing what is shown. `asked`: a person
   * asked for it (false for the page's own listing when it opens).
   */
  async load(asked = true): Promise<void> {
    const client = asked ? this.client : this.background;
    const page = await this.loading.run(() => client.listAuditEvents(this.#request()));
    this.#show(page);
  }

  /**
   * Coming back to the page: the newest records under the filters kept from the last visit, as
   * many as were shown then (up to one page of MAX_PAGE), so the list keeps its place.
   */
  async reopen(): Promise<void> {
    if (!this.loaded) return this.load(false);
    const Limit = Math.min(MAX_PAGE, Math.max(PAGE_SIZE, this.events.length));
    const page = await this.loading.run(() =>
      this.background.listAuditEvents({ ...this.#request(), Limit }),
    );
    this.#show(page);
  }

  #show(page: ListAuditEventsResponse | undefined): void {
    if (page) {
      this.events = page.Events;
      this.nextMarker = page.Truncated ? page.NextMarker : undefined;
    }
    this.loaded = true;
  }

  async loadMore(): Promise<void> {
    const Marker = this.nextMarker;
    if (!Marker) return;
    const page = await this.loading.run(() =>
      this.client.listAuditEvents({ ...this.#request(), Marker }),
    );
    if (page) {
      this.events = [...this.events, ...page.Events];
      this.nextMarker = page.Truncated ? page.NextMarker : undefined;
    }
  }

  /**
   * Checks the hash chain: by default only the records written since the last check that found
   * it valid (fast at any size); `full`, every record from the first — the ground truth — with
   * progress and cancelWalk().
   */
  async verify(full = false): Promise<void> {
    this.verification = null;
    this.walkCancelled = false;
    const controller = new AbortController();
    this.#walkController = controller;
    if (full) this.walk = { done: 0, total: 0 };
    const result = await this.verifying.run(() =>
      full
        ? this.client.verifyAuditLog(
            {},
            (done, total) => {
              this.walk = { done, total };
            },
            controller.signal,
          )
        : this.client.verifyAuditLog({ Since: 'LAST_CHECKPOINT' }),
    );
    this.walk = null;
    this.#walkController = undefined;
    if (result) this.verification = result;
    const failure = this.verifying.error;
    if (failure instanceof Error && failure.name === 'OperationCancelledException') {
      this.verifying.error = null;
      this.walkCancelled = true;
    }
  }

  /** Stops a running full walk (it ends with OperationCancelledException, shown as cancelled). */
  cancelWalk(): void {
    this.#walkController?.abort();
  }

  /** Downloads the whole log as CloudTrail-shaped JSON ({ "Records": [...] }). */
  async export(): Promise<void> {
    await this.exporting.run(
      async () => {
        const { Output, RecordCount } = await this.client.exportAuditLog();
        const url = URL.createObjectURL(Output);
        const link = document.createElement('a');
        link.href = url;
        link.download = 'pocket-kms-audit.json';
        link.click();
        // Chromium may still be reading the blob just after click(): let go of it a little later.
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        return RecordCount;
      },
      (count) =>
        `Exported ${count} ${count === 1 ? 'record' : 'records'} as pocket-kms-audit.json.`,
    );
  }
}

let shared: AuditLog | undefined;

/**
 * The tab's one Activity view: its filters, the records loaded and a running verification
 * outlive the page, so leaving Activity and coming back keeps them (issue 16).
 */
export function auditLog(): AuditLog {
  shared ??= new AuditLog(kms(), backgroundKms());
  return shared;
}

/** The key ids an audit record names in its resources. */
export function keyIdsOf(event: AuditEvent): string[] {
  return event.resources
    .filter((resource) => resource.type === 'AWS::KMS::Key')
    .map((resource) => resource.ARN.slice(resource.ARN.lastIndexOf('key/') + 4));
}
