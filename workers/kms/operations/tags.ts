/** Tags: TagResource, UntagResource, ListResourceTags. */
import { KmsError, validationError } from '../../errors.ts';
import { putKey } from '../key-versions.ts';
import { EMPTY, type OperationGroup } from '../operation.ts';
import { paginate } from '../pagination.ts';
import { checkTagKey, checkTags, MAX_TAGS_PER_KEY } from '../validation.ts';

export const tagOperations = {
  tagResource: {
    eventName: 'TagResource',
    mutates: true,
    fields: ['KeyId', 'Tags'],
    async run(context, request) {
      const tags = checkTags('tags', request.Tags, true);
      const key = await context.resolveKey('keyId', request.KeyId, 'manage');
      const merged = new Map(key.Tags.map((tag) => [tag.TagKey, tag.TagValue]));
      for (const tag of tags) merged.set(tag.TagKey, tag.TagValue);
      if (merged.size > MAX_TAGS_PER_KEY) {
        throw new KmsError(
          'LimitExceededException',
          `A key can have at most ${MAX_TAGS_PER_KEY} tags.`,
        );
      }
      const Tags = [...merged].map(([TagKey, TagValue]) => ({ TagKey, TagValue }));
      return { response: EMPTY, write: putKey({ ...key, Tags }) };
    },
  },

  untagResource: {
    eventName: 'UntagResource',
    mutates: true,
    fields: ['KeyId', 'TagKeys'],
    async run(context, request) {
      if (!Array.isArray(request.TagKeys))
        throw validationError('tagKeys', undefined, 'Member must not be null');
      const remove = new Set(
        request.TagKeys.map((tagKey, index) => checkTagKey(`tagKeys.${index + 1}.member`, tagKey)),
      );
      const key = await context.resolveKey('keyId', request.KeyId, 'manage');
      return {
        response: EMPTY,
        write: putKey({ ...key, Tags: key.Tags.filter((tag) => !remove.has(tag.TagKey)) }),
      };
    },
  },

  listResourceTags: {
    eventName: 'ListResourceTags',
    mutates: false,
    metadataRead: true,
    fields: ['KeyId', 'Limit', 'Marker'],
    async run(context, request) {
      const key = await context.resolveKey('keyId', request.KeyId, 'read');
      const { page, ...info } = paginate(`tags:${key.KeyId}`, key.Tags, request, {
        fallback: 50,
        max: 50,
      });
      return { response: { Tags: page, ...info } };
    },
  },
} satisfies OperationGroup;
