/** What both feed formats are built from (see presenters/feed.ts). */
export interface FeedEntry {
  /** Stable, permanent id (a tag: URI). */
  id: string;
  title: string;
  /** The incident page. */
  link: string;
  published: number;
  updated: number;
  /** HTML of the incident's updates; escaped by the builders. */
  contentHtml: string;
  /** Plain-text one-liner (the latest update). */
  summary: string;
}

export interface Feed {
  id: string;
  title: string;
  subtitle: string;
  /** The feed's own URL. */
  selfUrl: string;
  /** The page the feed is about. */
  alternateUrl: string;
  updated: number;
  entries: FeedEntry[];
}
