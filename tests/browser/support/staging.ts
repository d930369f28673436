/**
 * What the core worker's staging of a picked output (workers/envelope/writable-sink.ts) leaves in
 * OPFS, seen from the page: its scratch folders are job folders holding `stage-0`.
 */
import { namesIn as names, OUTPUT_DIRECTORY } from '../../../workers/envelope/opfs-sink.ts';

/** Scratch folders of staged outputs in the cores' output folders, now. */
export async function stagingFolders(): Promise<number> {
  const root = await navigator.storage.getDirectory();
  const outputs = await root.getDirectoryHandle(OUTPUT_DIRECTORY).catch(() => undefined);
  if (!outputs) return 0;
  let found = 0;
  for (const owner of await names(outputs)) {
    const ownerDirectory = await outputs.getDirectoryHandle(owner).catch(() => undefined);
    for (const job of ownerDirectory ? await names(ownerDirectory) : []) {
      const jobDirectory = await ownerDirectory!.getDirectoryHandle(job).catch(() => undefined);
      if (jobDirectory && (await names(jobDirectory)).includes('stage-0')) found++;
    }
  }
  return found;
}
