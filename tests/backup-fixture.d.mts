export declare function craftBackup(options: {
  keyCount: number;
  versions?: number;
  vaultId?: string;
}): Promise<{
  archive: Buffer;
  name: string;
  recoveryKey: string;
  vaultId: string;
  keyIds: string[];
}>;
