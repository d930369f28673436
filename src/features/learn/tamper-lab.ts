/**
 * Lesson 2, "Tamper lab" (issue 13 §2.2): change a real AWS Encryption SDK message made on the
 * sandbox — flip a bit, truncate it, swap, drop or duplicate frames, change a header field, or
 * ask for another encryption context — hand it to the sandbox's decryptFile, and show which check
 * refused it. The check is read from the refusal the core actually returned (its error name and
 * the part its message names, workers/envelope/decrypt-message.ts), never predicted; the byte
 * that decided is the one the change touched; and the section of docs/FORMAT.md that specifies
 * the check is shown beside it.
 */
import type { InspectCiphertextResponse, InspectedField } from '../../../workers/api.ts';

/** A change made to the message, and the byte it turned on. */
export interface Tampered {
  description: string;
  bytes: Uint8Array<ArrayBuffer>;
  /** The offset of the byte that decided (in the original message), when there is one. */
  decidingOffset?: number;
  /** The encryption context the decryption asks for, when the change is to ask another. */
  expectedContext?: Record<string, string>;
}

/** Where each frame lies in the message (FORMAT.md §4.5), from inspectCiphertext's answer. */
export interface FrameSpan {
  sequenceNumber: number;
  offset: number;
  length: number;
}

export function frameSpans(inspected: InspectCiphertextResponse): FrameSpan[] {
  const count = inspected.FrameCount ?? 0;
  const regular = inspected.RegularFrameSize ?? 0;
  const end = inspected.FooterOffset ?? inspected.Length;
  return Array.from({ length: count }, (_, index) => {
    const offset = inspected.HeaderLength + index * regular;
    return {
      sequenceNumber: index + 1,
      offset,
      length: index === count - 1 ? end - offset : regular,
    };
  });
}

/** The message with bit `bit` (0 = least significant) of byte `offset` flipped. */
export function flipBit(message: Uint8Array, offset: number, bit = 0): Tampered {
  if (!Number.isInteger(offset) || offset < 0 || offset >= message.length) {
    throw new RangeError(`offset ${offset} is outside the message (0–${message.length - 1})`);
  }
  const bytes = new Uint8Array(message);
  bytes[offset]! ^= 1 << bit;
  return {
    description: `Bit ${bit} of byte ${offset} flipped`,
    bytes,
    decidingOffset: offset,
  };
}

/** The message cut to its first `length` bytes. */
export function truncate(message: Uint8Array, length: number): Tampered {
  if (!Number.isInteger(length) || length < 0 || length >= message.length) {
    throw new RangeError(`the message is ${message.length} bytes: cut it to fewer`);
  }
  return {
    description: `Cut to its first ${length} of ${message.length} bytes`,
    bytes: new Uint8Array(message.subarray(0, length)),
    decidingOffset: length,
  };
}

function joined(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    bytes.set(part, at);
    at += part.length;
  }
  return bytes;
}

/** The frames re-arranged: `order` lists the original frames' sequence numbers, as written. */
function rearranged(
  message: Uint8Array,
  frames: FrameSpan[],
  order: number[],
  description: string,
): Tampered {
  const first = frames[0]!;
  const last = frames.at(-1)!;
  const frame = (sequenceNumber: number) => {
    const span = frames[sequenceNumber - 1]!;
    return message.subarray(span.offset, span.offset + span.length);
  };
  const position = order.findIndex((sequenceNumber, index) => sequenceNumber !== index + 1);
  return {
    description,
    bytes: joined([
      message.subarray(0, first.offset),
      ...order.map(frame),
      message.subarray(last.offset + last.length),
    ]),
    // The first frame out of place: its sequence number is the byte that gives it away.
    ...(position !== -1 && { decidingOffset: frames[position]!.offset }),
  };
}

function needFrames(frames: FrameSpan[], count: number): void {
  if (frames.length < count) throw new RangeError(`this needs at least ${count} frames`);
}

export function swapFrames(message: Uint8Array, frames: FrameSpan[]): Tampered {
  needFrames(frames, 3);
  const order = frames.map((span) => span.sequenceNumber);
  [order[0], order[1]] = [order[1]!, order[0]!];
  return rearranged(message, frames, order, 'Frames 1 and 2 swapped');
}

export function dropFrame(message: Uint8Array, frames: FrameSpan[]): Tampered {
  needFrames(frames, 3);
  const order = frames.map((span) => span.sequenceNumber).filter((n) => n !== 2);
  return rearranged(message, frames, order, 'Frame 2 dropped');
}

export function duplicateFrame(message: Uint8Array, frames: FrameSpan[]): Tampered {
  needFrames(frames, 2);
  const order = frames.map((span) => span.sequenceNumber);
  order.splice(1, 0, 1);
  return rearranged(message, frames, order, 'Frame 1 written twice');
}

/** The first byte of a header field changed (its lowest bit flipped). */
export function changeHeaderField(
  message: Uint8Array,
  inspected: InspectCiphertextResponse,
  fieldName: string,
): Tampered {
  const field = inspected.Fields.find((candidate) => candidate.Name === fieldName);
  if (!field || field.Offset >= inspected.HeaderLength) {
    throw new RangeError(`no header field ${fieldName}`);
  }
  return { ...flipBit(message, field.Offset), description: `Header field “${fieldName}” changed` };
}

/** The message as it is, decrypted with another value for one encryption-context key. */
export function otherContext(message: Uint8Array, context: Record<string, string>): Tampered {
  const [key] = Object.keys(context);
  if (key === undefined) throw new RangeError('the message has no encryption context to change');
  return {
    description: `Decrypted expecting ${key} = “${context[key]}-changed”`,
    bytes: new Uint8Array(message),
    expectedContext: { [key]: `${context[key]}-changed` },
  };
}

/** A check of the format, and the section of docs/FORMAT.md that specifies it. */
export interface Check {
  name: string;
  /** "4.4": the section's number in docs/FORMAT.md. */
  section: string;
}

/**
 * The check that refused a message, read from the core's refusal: decryptFile names the part
 * that failed ("Decryption failed: <part>: …", or the header decoder's "not a valid AWS Encryption
 * SDK message: …",
 * or the keyring's "encrypted data key … does not unwrap"). Undefined when the message was
 * not refused.
 */
export function refusingCheck(
  error: { name: string; message: string } | undefined,
): Check | undefined {
  if (!error) return undefined;
  const { message } = error;
  if (message.startsWith('The file is not a valid AWS Encryption SDK message')) {
    return { name: 'The header’s layout (it no longer decodes)', section: '4.2' };
  }
  if (/encrypted data key .* does not unwrap/.test(message)) {
    return {
      name: 'The encrypted data key’s tag (it is bound to the encryption context)',
      section: '4.8',
    };
  }
  const part = /^Decryption failed: ([^:]+):/.exec(message)?.[1];
  if (part === 'commitment') return { name: 'Key commitment', section: '4.3' };
  if (part === 'header') return { name: 'Header authentication', section: '4.4' };
  if (part === 'truncated')
    return { name: 'The message ends too soon (truncation)', section: '4.10' };
  if (part === 'trailing bytes') return { name: 'Nothing may follow the message', section: '4.10' };
  if (part === 'encryption context')
    return { name: 'The expected encryption context', section: '4.2' };
  if (part === 'signature') return { name: 'The footer signature', section: '4.7' };
  if (part?.includes('the final frame')) {
    return message.includes('sequence number')
      ? { name: 'The final frame’s place (sequence numbers)', section: '4.5' }
      : { name: 'The final frame’s tag', section: '4.5' };
  }
  if (part?.startsWith('frame ')) {
    return message.includes('sequence number')
      ? { name: `The order of frames (${part}’s sequence number)`, section: '4.5' }
      : { name: `A frame’s tag (${part})`, section: '4.5' };
  }
  return { name: error.name, section: '4' };
}

/** The text of section `number` ("4.4") of docs/FORMAT.md, heading included. */
export function formatSection(document: string, number: string): string {
  const lines = document.split('\n');
  const heading = new RegExp(`^(#{2,3}) ${number.replace('.', '\\.')}[. ]`);
  const start = lines.findIndex((line) => heading.test(line));
  if (start === -1) return '';
  const level = heading.exec(lines[start]!)![1]!.length;
  const end = lines.findIndex(
    (line, index) => index > start && /^#{2,3} /.test(line) && line.indexOf(' ') <= level,
  );
  return lines
    .slice(start, end === -1 ? undefined : end)
    .join('\n')
    .trim();
}

/** The version-2 ciphertext blob's fields (FORMAT.md §2), for a blob of `length` bytes. */
export function blobFields(length: number): InspectedField[] {
  const field = (Name: string, Offset: number, Length: number): InspectedField => ({
    Name,
    Offset,
    Length,
    Value: '',
  });
  return [
    field('Format version', 0, 1),
    field('Vault id', 1, 5),
    field('KeyId', 6, 16),
    field('Key version', 22, 4),
    field('IV', 26, 12),
    field('Ciphertext', 38, length - 54),
    field('Tag', length - 16, 16),
  ];
}

/**
 * The check that refused a changed ciphertext blob. Decrypt's answer is deliberately one vague
 * InvalidCiphertextException (FORMAT.md §2, as AWS), so the check is told by where the change
 * is, in the order Decrypt makes its checks: the layout, the key it names, then the tag — over
 * the header and the encryption context as AAD, so a changed context fails there too.
 */
export function blobCheck(tampered: Tampered, blobLength: number): Check {
  const offset = tampered.decidingOffset;
  const tag = { name: 'The blob’s tag (AES-GCM over the header and the context)', section: '2' };
  if (tampered.expectedContext || offset === undefined) return tag;
  if (tampered.bytes.length < blobLength) {
    return tampered.bytes.length < 54
      ? { name: 'The blob’s length (shorter than header and tag)', section: '2' }
      : tag;
  }
  if (offset === 0) return { name: 'The format version', section: '2' };
  if (offset < 22) return { name: 'The key it names (vault id and KeyId)', section: '2' };
  if (offset < 26) return { name: 'The key version it names', section: '2' };
  return tag;
}
