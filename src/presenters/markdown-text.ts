import MarkdownIt from 'markdown-it';
import { oneLine } from '../lib/text.js';

/*
 * Markdown update bodies as plain text, for wherever HTML cannot go: the
 * text/plain part of emails today, chat messages (Slack, Teams) next. Pure,
 * and it knows nothing of the channel it writes for.
 */

// Same parser settings as presenters/markdown.ts, so text and HTML agree on
// what is a link (and refuse the same unsafe ones, which stay literal text).
const textMd = new MarkdownIt({ html: false, linkify: true, breaks: true, typographer: false });
textMd.disable('image');

type MdToken = ReturnType<typeof textMd.parse>[number];

/**
 * Markdown as readable plain text: paragraphs separated by blank lines, list
 * items as "- " or "1. ", quotes as "> ", code indented, links as
 * "text (url)" (or the URL alone when it is the text).
 */
export function markdownToText(source: string): string {
  const tokens = textMd.parse(source, {});
  const lines: string[] = [];
  const prefixes: string[] = [];
  const lists: { ordered: boolean; next: number }[] = [];
  let marker: string | null = null;
  let row: string[] | null = null;

  const prefix = () => prefixes.join('');
  const emit = (text: string) => {
    for (const line of text.split('\n')) {
      if (marker !== null) {
        lines.push(prefixes.slice(0, -1).join('') + marker + line);
        marker = null;
      } else {
        lines.push(prefix() + line);
      }
    }
  };
  const blank = () => {
    if (marker !== null) return;
    const last = lines.at(-1);
    if (last !== undefined && last.trim() !== '' && last.trim() !== '>') lines.push(prefix().trimEnd());
  };

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    switch (token.type) {
      case 'paragraph_open':
        if (!token.hidden) blank();
        break;
      case 'heading_open':
      case 'hr':
      case 'code_block':
      case 'fence':
      case 'table_open':
      case 'blockquote_open':
        blank();
        if (token.type === 'hr') emit('----------');
        if (token.type === 'code_block' || token.type === 'fence') {
          emit(
            token.content
              .replace(/\n$/, '')
              .split('\n')
              .map((line) => `    ${line}`)
              .join('\n'),
          );
        }
        if (token.type === 'blockquote_open') prefixes.push('> ');
        break;
      case 'blockquote_close':
        prefixes.pop();
        break;
      case 'bullet_list_open':
      case 'ordered_list_open':
        if (lists.length === 0) blank();
        lists.push({ ordered: token.type === 'ordered_list_open', next: Number(token.attrGet('start') ?? 1) });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        break;
      case 'list_item_open': {
        const list = lists.at(-1);
        const mark = list?.ordered ? `${list.next++}. ` : '- ';
        prefixes.push(' '.repeat(mark.length));
        marker = mark;
        break;
      }
      case 'list_item_close':
        if (marker !== null) emit('');
        prefixes.pop();
        break;
      case 'tr_open':
        row = [];
        break;
      case 'tr_close':
        if (row) emit(row.join(' | '));
        row = null;
        break;
      case 'inline': {
        const text = inlineText(token.children ?? []);
        if (row) row.push(oneLine(text));
        else emit(text);
        break;
      }
      default:
        break;
    }
  }
  return lines
    .map((line) => line.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

function inlineText(children: MdToken[]): string {
  let out = '';
  const links: { href: string; start: number; auto: boolean }[] = [];
  for (const child of children) {
    switch (child.type) {
      case 'text':
      case 'code_inline':
        out += child.content;
        break;
      case 'softbreak':
      case 'hardbreak':
        out += '\n';
        break;
      case 'link_open':
        links.push({ href: String(child.attrGet('href') ?? ''), start: out.length, auto: child.markup === 'linkify' || child.markup === 'autolink' });
        break;
      case 'link_close': {
        const link = links.pop();
        if (!link) break;
        const label = out.slice(link.start).trim();
        const same = link.auto || label === link.href || `mailto:${label}` === link.href || label === decodeSafe(link.href);
        if (!same && link.href) out += label ? ` (${link.href})` : link.href;
        break;
      }
      default:
        break;
    }
  }
  return out;
}

function decodeSafe(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}
