import type { Digest } from '../content/digest.js';
import type { ImageRecord } from './image-record.js';
import { familiarName, parseReference } from './reference.js';

/** One row of `GET /images/{name}/history`. */
export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[] | null;
  Size: number;
  Comment: string;
}

/**
 * Docker's image history (moby daemon/images/image_history.go): the config's history newest
 * first, sizes from the layers its non-empty entries created, IDs along the local parent chain
 * and `<missing>` beyond it. An image without history gets one row per layer.
 */
export function imageHistory(
  record: ImageRecord,
  byId: (id: Digest) => ImageRecord | undefined,
): HistoryItem[] {
  const entries =
    record.config.history && record.config.history.length > 0
      ? record.config.history
      : record.layers.map(() => ({
          created: record.config.created,
          created_by: '',
          comment: '',
          empty_layer: false,
        }));
  const rows: HistoryItem[] = [];
  let layer = 0;
  for (const h of entries) {
    let size = 0;
    if (!h.empty_layer) {
      size = record.layers[layer]?.size ?? 0;
      layer++;
    }
    const created = h.created ? Date.parse(h.created) : Number.NaN;
    rows.unshift({
      Id: '<missing>',
      Created: Number.isNaN(created) ? 0 : Math.floor(created / 1000),
      CreatedBy: h.created_by ?? '',
      Tags: null,
      Size: size,
      Comment: h.comment ?? '',
    });
  }
  let current: ImageRecord | undefined = record;
  for (const row of rows) {
    if (current === undefined) break;
    row.Id = current.id;
    row.Tags =
      current.repoTags.length > 0 ? current.repoTags.map((t) => familiarName(parseReference(t))) : null;
    current = current.parent === undefined ? undefined : byId(current.parent);
  }
  return rows;
}
