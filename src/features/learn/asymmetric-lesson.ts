/**
 * Lesson 5, "Asymmetric keys" (issue 13 §2.5), on the sandbox vault: a signing key signs a file
 * (signFile: a signature over a statement of its name, size and SHA-256, FORMAT.md §5); the public
 * key alone verifies it, and refuses a changed file; and OpenSSL verifies it outside the app with
 * the block of docs/FORMAT.md §5.3, shown as the document has it.
 */
import { spkiToPem } from '../../../workers/crypto/public-key.ts';
import { outcomeName, type ActionStep, type SandboxLessonClients } from './action-lesson.ts';
import { lessonCall } from './lesson-calls.ts';

const FILE_NAME = 'contract.txt';
const TEXT = 'I, the undersigned, agree to return the second key by Friday.\n';

/** The shell block of docs/FORMAT.md §5.3 that verifies a signature file with OpenSSL. */
export function opensslVerifyBlock(formatDocument: string): string {
  const section = formatDocument.split('### 5.3 ')[1]?.split('\n### ')[0] ?? '';
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks.find((block) => block.includes('openssl dgst')) ?? '';
}

export function asymmetricLesson(
  { calls, reads }: SandboxLessonClients,
  formatDocument: string,
): ActionStep[] {
  let keyId = '';
  let signatureFile: File = new File([], 'none');
  let pem = '';
  const input = new File([TEXT], FILE_NAME);

  return [
    {
      id: 'create',
      title: 'A key pair that signs',
      explanation:
        'An asymmetric key is a pair: the private key stays in the vault and signs; the public key can be given to anyone, and only verifies.',
      action: 'Create a P-256 signing key',
      async run() {
        const request = {
          Description: 'Lesson 5: signing',
          KeySpec: 'ECC_NIST_P256',
          KeyUsage: 'SIGN_VERIFY',
        };
        const { KeyMetadata } = await calls.createKey(request);
        keyId = KeyMetadata.KeyId;
        return {
          facts: [
            { name: 'Key', value: keyId },
            { name: 'Key spec', value: KeyMetadata.KeySpec },
            { name: 'Signing algorithms', value: (KeyMetadata.SigningAlgorithms ?? []).join(', ') },
          ],
          calls: [await lessonCall(reads, 'createKey', request)],
        };
      },
    },
    {
      id: 'sign',
      title: 'Sign a file',
      explanation:
        'The vault hashes the file (SHA-256) and signs a short statement of its name, size and hash. The signature file holds the statement and the signature, as text.',
      action: `Sign ${FILE_NAME}`,
      async run() {
        const signed = await calls.signFile({
          KeyId: keyId,
          SigningAlgorithm: 'ECDSA_SHA_256',
          Input: input,
        });
        signatureFile = signed.SignatureFile;
        return {
          facts: [
            { name: 'SHA-256 of the file', value: signed.Sha256 },
            { name: 'The statement signed', value: new TextDecoder().decode(signed.Statement) },
            { name: `${signatureFile.name}`, value: await signatureFile.text() },
          ],
          calls: [
            {
              ...(await lessonCall(
                reads,
                'sign',
                {
                  KeyId: keyId,
                  SigningAlgorithm: 'ECDSA_SHA_256',
                  MessageType: 'RAW',
                  Message: signed.Statement,
                },
                'SignFile',
              )),
              console: `await kmsSandbox.signFile({ KeyId: ${JSON.stringify(keyId)}, SigningAlgorithm: 'ECDSA_SHA_256', Input: file })`,
            },
          ],
        };
      },
    },
    {
      id: 'public-key',
      title: 'The public key',
      explanation:
        'GetPublicKey gives the public half, here as PEM. Hand it out with the file and its signature: it verifies, and can never sign.',
      action: 'Get the public key',
      async run() {
        const request = { KeyId: keyId };
        const { PublicKey } = await calls.getPublicKey(request);
        pem = spkiToPem(PublicKey);
        return {
          facts: [{ name: 'pub.pem', value: pem }],
          calls: [await lessonCall(reads, 'getPublicKey', request)],
        };
      },
    },
    {
      id: 'verify',
      title: 'Verify with only the public key',
      explanation:
        'Verification needs no vault key at all: the public key, the file and its signature. Any browser with an empty vault does the same.',
      action: 'Verify with the public key',
      async run() {
        const verified = await calls.verifyFile({
          Input: input,
          SignatureFile: signatureFile,
          PublicKey: pem,
        });
        return {
          facts: [
            { name: 'Signature valid', value: String(verified.SignatureValid) },
            {
              name: 'Verified with',
              value: `the ${verified.PublicKeySpec ?? ''} public key alone, no vault key`,
            },
            { name: 'Signed file', value: `${verified.Name}, ${verified.Length} bytes` },
          ],
          calls: [],
        };
      },
    },
    {
      id: 'changed',
      title: 'A changed file is refused',
      explanation:
        'Change one character of the file and the hash no longer matches the signed statement: the verification fails.',
      action: 'Verify a changed copy',
      async run() {
        const changed = new File([TEXT.replace('Friday', 'Monday')], FILE_NAME);
        return {
          facts: [
            {
              name: 'Verify the changed file',
              value: await outcomeName(
                calls.verifyFile({ Input: changed, SignatureFile: signatureFile, PublicKey: pem }),
              ),
            },
          ],
          calls: [],
        };
      },
    },
    {
      id: 'openssl',
      title: 'Verify outside the app, with OpenSSL',
      explanation:
        'Save the file, the signature file and pub.pem, and the shell block of docs/FORMAT.md §5.3 as verify-signature.sh: OpenSSL checks the signature over the statement, sha256sum the file.',
      action: 'Show the OpenSSL commands',
      async run() {
        return {
          facts: [
            {
              name: 'Run',
              value: `FILE=${FILE_NAME} SIG=${signatureFile.name} PUB=pub.pem sh verify-signature.sh`,
            },
            {
              name: 'verify-signature.sh (docs/FORMAT.md §5.3)',
              value: opensslVerifyBlock(formatDocument),
            },
          ],
          calls: [],
        };
      },
    },
  ];
}
