/**
 * Who asked: each audit record names the caller's user agent, as CloudTrail does. The UI's own
 * reads to draw a page are `pocket-kms-ui/background` (honoured only for metadata reads, so no
 * use of a key can hide among them), and ListAuditEvents can leave them out.
 */
import { describe, expect, it } from 'vitest';
import { BACKGROUND_USER_AGENT, UI_USER_AGENT } from '../../workers/api.ts';
import { auditRecords, openVaultForTest, utf8 } from './support/vault.ts';

describe('the caller user agent in audit records', () => {
  it('is the caller’s own, and the vault’s when none is given', async () => {
    const vault = await openVaultForTest();
    const { KeyMetadata } = await vault.kms.as(UI_USER_AGENT).createKey();
    await vault.kms.describeKey({ KeyId: KeyMetadata.KeyId });
    const [created, described] = (await auditRecords(vault.vaultName)).slice(-2);
    expect(created!.userAgent).toBe(UI_USER_AGENT);
    expect(described!.userAgent).toBe('vitest-browser');
  });

  it('marks metadata reads as background, and nothing else', async () => {
    const vault = await openVaultForTest();
    const background = vault.kms.as(BACKGROUND_USER_AGENT);
    const { KeyMetadata } = await background.createKey();
    await background.listKeys();
    await background.describeKey({ KeyId: KeyMetadata.KeyId });
    await background.getKeyRotationStatus({ KeyId: KeyMetadata.KeyId });
    await background.encrypt({ KeyId: KeyMetadata.KeyId, Plaintext: utf8('not hidden') });
    const agents = (await auditRecords(vault.vaultName)).map((r) => [r.eventName, r.userAgent]);
    expect(agents).toEqual([
      ['CreateKey', 'vitest-browser'],
      ['ListKeys', BACKGROUND_USER_AGENT],
      ['DescribeKey', BACKGROUND_USER_AGENT],
      ['GetKeyRotationStatus', BACKGROUND_USER_AGENT],
      ['Encrypt', 'vitest-browser'],
    ]);
  });

  it('refuses to log a long or ill-formed user agent: the vault’s is logged instead', async () => {
    const vault = await openVaultForTest();
    await vault.kms.as('x'.repeat(257)).listKeys();
    await vault.kms.as('bad \uD800').listKeys();
    const agents = (await auditRecords(vault.vaultName)).map((r) => r.userAgent);
    expect(agents).toEqual(['vitest-browser', 'vitest-browser']);
  });

  it('ListAuditEvents leaves background reads out when IncludeBackgroundReads is false', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const { KeyMetadata } = await kms.as(UI_USER_AGENT).createKey();
    await kms.as(BACKGROUND_USER_AGENT).describeKey({ KeyId: KeyMetadata.KeyId });
    await kms.as(BACKGROUND_USER_AGENT).listAliases();
    const all = await kms.listAuditEvents();
    expect(all.Events.map((e) => e.eventName)).toEqual(['ListAliases', 'DescribeKey', 'CreateKey']);
    const quiet = await kms.listAuditEvents({ IncludeBackgroundReads: false });
    // Newest first: the first ListAuditEvents call (not a background read) and CreateKey.
    expect(quiet.Events.map((e) => e.eventName)).toEqual(['ListAuditEvents', 'CreateKey']);
  });
});
