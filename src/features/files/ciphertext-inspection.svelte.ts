/**
 * "Inspect" on the Files page: inspectCiphertext's answer for one ciphertext (no decryption), and
 * the bytes of its header, read here in the page with Blob.slice — it is the person's own file —
 * so the hex view can show where each field lies.
 */
import type { InspectCiphertextResponse, InspectedField } from '../../../workers/api.ts';
import type { KmsClient } from '../../kms/client.ts';
import { Operation } from '../../ui/operation.svelte.ts';

/** At most this many header bytes in the hex view; a header with many data keys is longer. */
export const HEX_VIEW_LIMIT = 4096;
export const BYTES_PER_ROW = 16;

export class CiphertextInspection {
  file = $state.raw<File | null>(null);
  result = $state.raw<InspectCiphertextResponse | null>(null);
  headerBytes = $state.raw<Uint8Array>(new Uint8Array());
  /** The field whose bytes are highlighted (table row hovered or focused). */
  activeField = $state.raw<InspectedField | null>(null);
  readonly operation = new Operation();

  constructor(private readonly client: KmsClient) {}

  async inspect(file: File): Promise<void> {
    this.file = file;
    this.result = null;
    this.activeField = null;
    this.headerBytes = new Uint8Array();
    const result = await this.operation.run(() => this.client.inspectCiphertext({ Input: file }));
    if (!result) return;
    const shown = Math.min(result.HeaderLength, HEX_VIEW_LIMIT);
    this.headerBytes = new Uint8Array(await file.slice(0, shown).arrayBuffer());
    this.result = result;
  }

  /** Header fields that lie (at least partly) in the bytes the hex view shows. */
  get headerFields(): InspectedField[] {
    const end = this.headerBytes.length;
    return (this.result?.Fields ?? []).filter((field) => field.Offset < end);
  }
}

/** The index of the field (in `fields`) that covers byte `offset`, or -1. */
export function fieldAt(fields: readonly InspectedField[], offset: number): number {
  return fields.findIndex(
    (field) => field.Length > 0 && offset >= field.Offset && offset < field.Offset + field.Length,
  );
}

export function hexByte(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

export function hexOffset(offset: number): string {
  return offset.toString(16).padStart(6, '0');
}
