import MarkdownIt from 'markdown-it';
import { memoize } from '../lib/memo.js';

/*
 * Incident bodies are Markdown written by the Comms Lead. Raw HTML is off, so
 * every tag in the source is escaped as text; markdown-it's link validation
 * refuses javascript:, vbscript:, file: and data: URLs. Links open safely.
 */
const md = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });

const defaultLinkOpen =
  md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
  tokens[idx]!.attrSet('rel', 'nofollow noopener noreferrer');
  return defaultLinkOpen(tokens, idx, options, env, self);
};
// No images: they would load third-party content into the status page.
md.disable('image');

/**
 * Pages, feeds and emails render the same update bodies again on every
 * change of the page: remember the last 300 (a pure function of the source;
 * a feed shows up to 50 incidents of a few updates each, and a body is at
 * most 20,000 characters).
 */
export const renderMarkdown: (source: string) => string = memoize(300, (source: string) => md.render(source));
