/**
 * ListKeyDetails (issue 16, a Pocket KMS addition; docs/API.md): a page of the keys ListKeys
 * lists, each with what DescribeKey, GetKeyRotationStatus (symmetric keys only) and ListAliases
 * with its KeyId answer — one audited call per page, instead of two calls per key. It pages the
 * keys ListKeys lists, newest first (the key table's order), under markers of its own, and refuses
 * a bad Limit or Marker by name.
 */
import { describe, expect, it } from 'vitest';
import { BACKGROUND_USER_AGENT, type KeyDetails } from '../../workers/api.ts';
import type { Kms } from '../../workers/kms/kms.ts';
import {
  auditCount,
  auditRecords,
  expectKmsError,
  openVaultForTest,
  type TestVault,
} from './support/vault.ts';

/** Every page of ListKeyDetails at `limit`, in order, and the size of each page. */
async function allDetails(
  kms: Kms,
  limit?: number,
): Promise<{ keys: KeyDetails[]; sizes: number[] }> {
  const keys: KeyDetails[] = [];
  const sizes: number[] = [];
  let marker: string | undefined;
  do {
    const page = await kms.listKeyDetails({
      ...(limit !== undefined && { Limit: limit }),
      ...(marker && { Marker: marker }),
    });
    keys.push(...page.Keys);
    sizes.push(page.Keys.length);
    marker = page.NextMarker;
    expect(page.Truncated).toBe(marker !== undefined);
  } while (marker);
  return { keys, sizes };
}

async function allKeyIds(kms: Kms): Promise<string[]> {
  const ids: string[] = [];
  let marker: string | undefined;
  do {
    const page = await kms.listKeys({ Limit: 2, ...(marker && { Marker: marker }) });
    ids.push(...page.Keys.map((key) => key.KeyId));
    marker = page.NextMarker;
  } while (marker);
  return ids;
}

/** A vault with a key of every kind the catalog shows differently, and aliases across them. */
async function variedVault(vault: TestVault) {
  const { kms, clock } = vault;
  const made = async (request: Parameters<Kms['createKey']>[0] = {}) => {
    clock.advanceMs(1000);
    return (await kms.createKey(request)).KeyMetadata.KeyId;
  };
  const rotating = await made({ Description: 'rotating' });
  const plain = await made({ Description: 'plain' });
  const deleting = await made({ Description: 'rotating, then pending deletion' });
  const disabled = await made({ Description: 'disabled' });
  const signing = await made({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' });
  const rsa = await made({ KeySpec: 'RSA_2048', KeyUsage: 'ENCRYPT_DECRYPT' });
  const hmac = await made({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' });
  const external = await made({ Origin: 'EXTERNAL', Description: 'no material yet' });
  await kms.enableKeyRotation({ KeyId: rotating, RotationPeriodInDays: 180 });
  await kms.enableKeyRotation({ KeyId: deleting });
  await kms.scheduleKeyDeletion({ KeyId: deleting, PendingWindowInDays: 7 });
  await kms.disableKey({ KeyId: disabled });
  // Three aliases on one key, made out of order, whose order by name (ListAliases') is not
  // their order by code unit; one on a signing key, one on the external key.
  await kms.createAlias({ AliasName: 'alias/rotating-z', TargetKeyId: rotating });
  await kms.createAlias({ AliasName: 'alias/Rotating-m', TargetKeyId: rotating });
  await kms.createAlias({ AliasName: 'alias/rotating-a', TargetKeyId: rotating });
  await kms.createAlias({ AliasName: 'alias/signing', TargetKeyId: signing });
  await kms.createAlias({ AliasName: 'alias/external', TargetKeyId: external });
  return { rotating, plain, deleting, disabled, signing, rsa, hmac, external };
}

describe('listKeyDetails', () => {
  it('answers, key by key, what DescribeKey, GetKeyRotationStatus and ListAliases answer', async () => {
    const vault = await openVaultForTest();
    const { kms } = vault;
    const keys = await variedVault(vault);
    // Pages of 3: every key's aliases come from the whole vault, not from its page.
    const { keys: details, sizes } = await allDetails(kms, 3);
    expect(sizes).toEqual([3, 3, 2]);
    expect(details.map((entry) => entry.KeyMetadata.KeyId)).toEqual(
      (await allKeyIds(kms)).reverse(),
    );

    for (const entry of details) {
      const KeyId = entry.KeyMetadata.KeyId;
      expect(entry.KeyMetadata, KeyId).toEqual((await kms.describeKey({ KeyId })).KeyMetadata);
      const aliases = (await kms.listAliases({ KeyId })).Aliases.map((alias) => alias.AliasName);
      expect(entry.Aliases, KeyId).toEqual(aliases);
      const { KeyId: _arn, ...rotation } = await kms.getKeyRotationStatus({ KeyId });
      const { KeyMetadata: _metadata, Aliases: _aliases, ...rotationFields } = entry;
      if (entry.KeyMetadata.KeySpec === 'SYMMETRIC_DEFAULT') {
        expect(rotationFields, KeyId).toEqual(rotation);
      } else {
        // Rotation is for symmetric keys only: no rotation field at all.
        expect(rotationFields, KeyId).toEqual({});
      }
    }

    // What the comparisons above cover, spelled out.
    const byId = new Map(details.map((entry) => [entry.KeyMetadata.KeyId, entry]));
    expect(byId.get(keys.rotating)).toMatchObject({
      KeyRotationEnabled: true,
      RotationPeriodInDays: 180,
      Aliases: ['alias/rotating-a', 'alias/Rotating-m', 'alias/rotating-z'],
    });
    expect(byId.get(keys.rotating)!.NextRotationDate).toBeInstanceOf(Date);
    expect(byId.get(keys.plain)).toEqual({
      KeyMetadata: expect.objectContaining({ KeyState: 'Enabled', Description: 'plain' }),
      KeyRotationEnabled: false,
      Aliases: [],
    });
    // Pending deletion: rotation reads as off, as GetKeyRotationStatus reports it.
    expect(byId.get(keys.deleting)).toEqual({
      KeyMetadata: expect.objectContaining({ KeyState: 'PendingDeletion' }),
      KeyRotationEnabled: false,
      Aliases: [],
    });
    expect(byId.get(keys.disabled)!.KeyMetadata).toMatchObject({
      KeyState: 'Disabled',
      Enabled: false,
    });
    expect(byId.get(keys.signing)).toEqual({
      KeyMetadata: expect.objectContaining({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
      Aliases: ['alias/signing'],
    });
    for (const keyId of [keys.rsa, keys.hmac]) {
      expect(Object.keys(byId.get(keyId)!).sort()).toEqual(['Aliases', 'KeyMetadata']);
    }
    expect(byId.get(keys.external)).toEqual({
      KeyMetadata: expect.objectContaining({ Origin: 'EXTERNAL', KeyState: 'PendingImport' }),
      KeyRotationEnabled: false,
      Aliases: ['alias/external'],
    });
    expect(byId.get(keys.external)!.KeyMetadata.CurrentKeyMaterialId).toBeUndefined();
    expect(byId.get(keys.plain)!.KeyMetadata.CurrentKeyMaterialId).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  it("pages listKeys' keys newest first: Limit 1–1000 with 100 by default, markers of its own", async () => {
    const vault = await openVaultForTest();
    const { kms, clock } = vault;
    for (let i = 0; i < 101; i++) {
      // Two keys share each moment, so the key id decides between them (ListKeys' order, reversed).
      if (i % 2 === 0) clock.advanceMs(1000);
      await kms.createKey({ Description: `key ${i}` });
    }
    const ids = (await allKeyIds(kms)).reverse();
    expect(ids).toHaveLength(101);

    const first = await kms.listKeyDetails();
    expect(first.Keys).toHaveLength(100);
    expect(first.Truncated).toBe(true);
    const second = await kms.listKeyDetails({ Marker: first.NextMarker! });
    expect(second).toEqual({ Keys: [expect.anything()], Truncated: false });
    expect([...first.Keys, ...second.Keys].map((entry) => entry.KeyMetadata.KeyId)).toEqual(ids);

    const whole = await kms.listKeyDetails({ Limit: 1000 });
    expect(whole.Truncated).toBe(false);
    expect(whole.NextMarker).toBeUndefined();
    expect(whole.Keys.map((entry) => entry.KeyMetadata.KeyId)).toEqual(ids);

    const { keys, sizes } = await allDetails(kms, 40);
    expect(sizes).toEqual([40, 40, 21]);
    expect(keys.map((entry) => entry.KeyMetadata.KeyId)).toEqual(ids);
    // A last page that ends exactly at the oldest key says so (no marker to an empty page); a
    // first page of one size and the rest of another, as the key catalog reads them.
    const even = await allDetails(kms, 101);
    expect(even.sizes).toEqual([101]);
    const head = await kms.listKeyDetails({ Limit: 1 });
    const rest = await kms.listKeyDetails({ Limit: 100, Marker: head.NextMarker! });
    expect(rest.Truncated).toBe(false);
    expect([...head.Keys, ...rest.Keys].map((entry) => entry.KeyMetadata.KeyId)).toEqual(ids);

    const one = await kms.listKeyDetails({ Limit: 1 });
    expect(one.Keys.map((entry) => entry.KeyMetadata.KeyId)).toEqual([ids[0]]);
    const next = await kms.listKeyDetails({ Limit: 1, Marker: one.NextMarker! });
    expect(next.Keys.map((entry) => entry.KeyMetadata.KeyId)).toEqual([ids[1]]);
  }, 60_000);

  it('answers an empty vault with no keys and no marker', async () => {
    const { kms } = await openVaultForTest();
    expect(await kms.listKeyDetails()).toEqual({ Keys: [], Truncated: false });
  });

  it('refuses a bad Limit (ValidationException) and a marker it did not issue (InvalidMarkerException), each with one record', async () => {
    const vault = await openVaultForTest();
    const { kms, vaultName } = vault;
    await kms.createKey();
    await kms.createKey();
    await kms.createAlias({
      AliasName: 'alias/one',
      TargetKeyId: (await kms.listKeys()).Keys[0]!.KeyId,
    });
    await kms.createAlias({
      AliasName: 'alias/two',
      TargetKeyId: (await kms.listKeys()).Keys[1]!.KeyId,
    });
    const keysMarker = (await kms.listKeys({ Limit: 1 })).NextMarker!;
    const aliasesMarker = (await kms.listAliases({ Limit: 1 })).NextMarker!;
    const ownMarker = (await kms.listKeyDetails({ Limit: 1 })).NextMarker!;
    expect([keysMarker, aliasesMarker, ownMarker].every((marker) => marker.length > 0)).toBe(true);

    const refusals: [
      Parameters<Kms['listKeyDetails']>[0],
      'ValidationException' | 'InvalidMarkerException',
    ][] = [
      [{ Limit: 0 }, 'ValidationException'],
      [{ Limit: 1001 }, 'ValidationException'],
      [{ Limit: 1.5 }, 'ValidationException'],
      [{ Limit: -1 }, 'ValidationException'],
      [{ Limit: '10' as unknown as number }, 'ValidationException'],
      [{ Marker: 'bogus' }, 'InvalidMarkerException'],
      [{ Marker: '' }, 'InvalidMarkerException'],
      [{ Marker: keysMarker }, 'InvalidMarkerException'],
      [{ Marker: aliasesMarker }, 'InvalidMarkerException'],
    ];
    for (const [request, name] of refusals) {
      const before = await auditCount(vaultName);
      await expectKmsError(kms.listKeyDetails(request), name);
      expect(await auditCount(vaultName), JSON.stringify(request)).toBe(before + 1);
      const record = (await auditRecords(vaultName)).at(-1)!;
      expect(record).toMatchObject({ eventName: 'ListKeyDetails', errorCode: name });
    }
    // Its own marker is refused by listKeys, the same keys' other list.
    await expectKmsError(kms.listKeys({ Marker: ownMarker }), 'InvalidMarkerException');
  });

  it('is one audit record per page, with no resources, and a background read when the UI asks', async () => {
    const vault = await openVaultForTest();
    const { kms, vaultName } = vault;
    for (let i = 0; i < 5; i++) await kms.createKey();
    const before = await auditCount(vaultName);
    const page = await kms.as(BACKGROUND_USER_AGENT).listKeyDetails({ Limit: 5 });
    expect(page.Keys).toHaveLength(5);
    expect(await auditCount(vaultName)).toBe(before + 1);
    const record = (await auditRecords(vaultName)).at(-1)!;
    expect(record).toMatchObject({
      eventName: 'ListKeyDetails',
      userAgent: BACKGROUND_USER_AGENT,
      readOnly: true,
      requestParameters: { limit: 5 },
      responseElements: null,
      resources: [],
    });
    expect(record.errorCode).toBeUndefined();
  });
});
