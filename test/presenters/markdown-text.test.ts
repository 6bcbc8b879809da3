// Markdown update bodies as plain text (the emails' text part, chat messages).
import { describe, expect, it } from 'vitest';
import { markdownToText } from '../../src/presenters/markdown-text.js';

describe('markdownToText', () => {
  it('turns Markdown into plain text', () => {
    expect(markdownToText('# Heading\n\nText with `code` and *em*.\n\n1. one\n2. two\n   - nested\n\n> quoted\n> more\n\n    indented code\n\n---\n\nEnd'))
      .toBe('Heading\n\nText with code and em.\n\n1. one\n2. two\n   - nested\n\n> quoted\n> more\n\n    indented code\n\n----------\n\nEnd');
    expect(markdownToText('Mail <ops@example.com> or see <https://example.com/a>.')).toBe('Mail ops@example.com or see https://example.com/a.');
    expect(markdownToText('A &amp; B &lt;c&gt;')).toBe('A & B <c>');
    expect(markdownToText('| a | b |\n|---|--:|\n| 1 | 2 |')).toBe('a | b\n1 | 2');
  });

  it.each([
    ['Plain *em* **strong** ~~s~~', 'Plain em strong s'],
    ['[API](https://api.example.com/health)', 'API (https://api.example.com/health)'],
    // A link whose text is its (decoded) URL, or that has no text, is written once.
    ['[https://a.example/x y](https://a.example/x%20y)', 'https://a.example/x y'],
    ['[](https://x.example)', 'https://x.example'],
    ['mail ops@example.com', 'mail ops@example.com'],
    // Unsafe links stay literal text, as in the HTML.
    ['[click me](javascript:alert(4)) and [fine](https://example.com/ok)', '[click me](javascript:alert(4)) and fine (https://example.com/ok)'],
    ['Before\n\n```\ncode\n  more\n```', 'Before\n\n    code\n      more'],
    ['1. a\n\n   b\n2. c', '1. a\n\n   b\n2. c'],
    ['3. three\n4. four', '3. three\n4. four'],
    ['- a\n  - b\n    - c', '- a\n  - b\n    - c'],
    ['> q\n>\n> > nested', '> q\n>\n> > nested'],
    ['line one\nline two', 'line one\nline two'],
    ['text\u0007bell', 'textbell'],
    // Images are off: the alt text and the URL as a link would be.
    ['![img](https://x.example/i.png)', '!img (https://x.example/i.png)'],
    ['<b>raw</b>', '<b>raw</b>'],
    ['| a | b |\n|---|---|\n| x\\|y | [l](https://l.example) |', 'a | b\nx|y | l (https://l.example)'],
  ])('writes %j as %j', (source, expected) => {
    expect(markdownToText(source)).toBe(expected);
  });
});
