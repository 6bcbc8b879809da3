// The address classes the outbound guard decides on, in every notation that
// reaches it: resolver output and URL hosts (which the URL parser normalises).
import { describe, expect, it } from 'vitest';
import { classifyAddress, literalHost } from '../../src/lib/ip-address.js';
import { addressRefusal } from '../../src/lib/outbound.js';

describe('classifyAddress', () => {
  it.each([
    // IPv4
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'link_local'],
    ['100.64.0.1', 'cgnat'],
    ['100.127.255.255', 'cgnat'],
    ['100.128.0.1', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['198.18.0.1', 'reserved'],
    // IPv6
    ['2606:4700:4700::1111', 'public'],
    ['::1', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['[::1]', 'loopback'],
    ['::', 'unspecified'],
    ['fd00::1', 'unique_local'],
    ['fc00::1', 'unique_local'],
    ['fe80::1', 'link_local'],
    ['fe80::1%eth0', 'link_local'],
    ['FEBF::1', 'link_local'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['[::ffff:127.0.0.1]', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a9fe:a9fe', 'link_local'],
    ['::ffff:8.8.8.8', 'public'],
    ['0:0:0:0:0:ffff:192.168.0.1', 'private'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::8.8.8.8', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:0808:0808::1', 'public'],
    ['::127.0.0.1', 'reserved'],
    ['4000::1', 'reserved'],
    // Not addresses
    ['example.com', 'invalid'],
    ['1.2.3', 'invalid'],
    ['1.2.3.256', 'invalid'],
    ['01.2.3.4', 'invalid'],
    ['1::2::3', 'invalid'],
    ['1:2:3:4:5:6:7:8:9', 'invalid'],
    ['12345::1', 'invalid'],
    ['', 'invalid'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address)).toBe(expected);
  });
});

describe('URL hosts, as the URL parser normalises them', () => {
  it.each([
    ['https://2130706433/', '127.0.0.1', 'loopback'],
    ['https://0x7f.1/', '127.0.0.1', 'loopback'],
    ['https://0177.0.0.1/', '127.0.0.1', 'loopback'],
    ['https://127.1/', '127.0.0.1', 'loopback'],
    ['https://0/', '0.0.0.0', 'unspecified'],
    ['https://0xa9fea9fe/', '169.254.169.254', 'link_local'],
    ['https://012.0.0.1/', '10.0.0.1', 'private'],
    ['https://[::ffff:127.0.0.1]/', '::ffff:7f00:1', 'loopback'],
    ['https://[0:0::1]:8443/', '::1', 'loopback'],
    ['https://[fd00::1]/', 'fd00::1', 'unique_local'],
    ['https://100.64.0.1/', '100.64.0.1', 'cgnat'],
    ['https://hooks.slack.com/services/x', null, null],
  ])('%s is the literal %s (%s)', (url, literal, kind) => {
    const host = literalHost(new URL(url).hostname);
    expect(host).toBe(literal);
    if (host) expect(classifyAddress(host)).toBe(kind);
  });
});

describe('addressRefusal', () => {
  it.each([
    ['8.8.8.8', {}, null],
    ['10.0.0.1', {}, 'private address'],
    ['10.0.0.1', { allowPrivate: true }, null],
    ['100.64.0.1', { allowPrivate: true }, null],
    ['fd00::1', { allowPrivate: true }, null],
    ['127.0.0.1', { allowPrivate: true }, 'loopback address'],
    ['127.0.0.1', { allowLoopback: true }, null],
    ['::ffff:127.0.0.1', { allowLoopback: true }, null],
    ['10.0.0.1', { allowLoopback: true }, 'private address'],
    ['169.254.169.254', { allowPrivate: true, allowLoopback: true }, 'link-local address'],
    ['0.0.0.0', { allowPrivate: true, allowLoopback: true }, 'unspecified address'],
    ['224.0.0.1', { allowPrivate: true }, 'multicast address'],
    ['::', { allowLoopback: true }, 'unspecified address'],
  ])('%s with %j: %s', (address, options, expected) => {
    expect(addressRefusal(address, options)).toBe(expected);
  });
});
