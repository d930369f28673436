/**
 * The Learn section's lessons (issue 13 §2), in their order. A lesson's page is
 * `#/learn/<id>`.
 */
export interface Lesson {
  id: string;
  number: number;
  title: string;
  summary: string;
}

export const LESSONS: readonly Lesson[] = [
  {
    id: 'envelope',
    number: 1,
    title: 'Envelope encryption, step by step',
    summary:
      'GenerateDataKey, HKDF, the header field by field, every frame, then decryption — on the bytes of a real AWS Encryption SDK message.',
  },
  {
    id: 'tamper',
    number: 2,
    title: 'Tamper lab',
    summary:
      'Flip a bit, truncate, swap or drop frames, change a header field or the context: see which check refuses it, and the byte that decided.',
  },
  {
    id: 'rotation',
    number: 3,
    title: 'Rotation',
    summary: 'Versions, re-encryption, and a year of automatic rotation on the Sandbox clock.',
  },
  {
    id: 'deletion',
    number: 4,
    title: 'Deletion and disabling',
    summary:
      'A deletion window passing on the Sandbox clock, against a disable that can be undone.',
  },
  {
    id: 'asymmetric',
    number: 5,
    title: 'Asymmetric keys',
    summary: 'Sign a file, verify it with only the public key, and with OpenSSL.',
  },
  {
    id: 'data-keys',
    number: 6,
    title: 'Data keys and caching',
    summary: 'One data key per message, or one reused within limits: the calls saved, the risk.',
  },
];

export function lessonHref(lesson: Lesson): string {
  return `#/learn/${lesson.id}`;
}
