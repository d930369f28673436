/**
 * PEM armor, RFC 7468: `-----BEGIN LABEL-----`, base64 of the DER in lines of 64 characters,
 * `-----END LABEL-----`. Decoding follows §2's lax parser: whitespace (CR, LF, spaces, tabs)
 * anywhere in the body is ignored, and so is text before the first BEGIN line and after its END
 * line (explanations that tools such as `openssl pkey -text` print). Exactly one block is read:
 * the first.
 */
import { KmsError } from '../errors.ts';
import { fromBase64, toBase64 } from '../encoding.ts';

export function encodePem(label: string, der: Uint8Array): string {
  const body = toBase64(der).replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

const BEGIN = /-----BEGIN ([A-Z0-9 ]*)-----/;

export function isPem(text: string): boolean {
  return BEGIN.test(text);
}

/**
 * The label and DER bytes of the first PEM block. Throws ValidationException when there is no
 * block, the END line is missing or names another label, or the body is not base64.
 */
export function decodePem(text: string): { label: string; der: Uint8Array<ArrayBuffer> } {
  const begin = BEGIN.exec(text);
  if (!begin)
    throw new KmsError('ValidationException', 'The text is not PEM: no "-----BEGIN …-----" line.');
  const label = begin[1]!;
  const endLine = `-----END ${label}-----`;
  const bodyStart = begin.index + begin[0].length;
  const endIndex = text.indexOf('-----END', bodyStart);
  if (endIndex < 0)
    throw new KmsError('ValidationException', `The PEM block has no "${endLine}" line.`);
  if (!text.startsWith(endLine, endIndex)) {
    throw new KmsError(
      'ValidationException',
      `The PEM block begins with ${label} but ends with another label.`,
    );
  }
  const body = text.slice(bodyStart, endIndex).replace(/[\s]/g, '');
  if (body.length === 0)
    throw new KmsError('ValidationException', `The PEM block ${label} is empty.`);
  const der = fromBase64(body);
  if (!der)
    throw new KmsError(
      'ValidationException',
      `The body of the PEM block ${label} is not valid base64.`,
    );
  return { label, der };
}
