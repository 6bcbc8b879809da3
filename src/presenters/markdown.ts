import MarkdownIt from 'markdown-it';

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

export function renderMarkdown(source: string): string {
  return md.render(source);
}
