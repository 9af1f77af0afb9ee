import { describe, expect, test } from '@jest/globals';
import { isPrivateAddress } from './private-address.js';

/** [address, refused?, why] — the api_uri guard (SPEC §5.2) on every way to write an IPv4. */
const TABLE: Array<[string, boolean, string]> = [
  // IPv4
  ['127.0.0.1', true, 'loopback'],
  ['10.1.2.3', true, 'private'],
  ['172.16.0.1', true, 'private'],
  ['192.168.1.1', true, 'private'],
  ['169.254.169.254', true, 'link-local (cloud metadata)'],
  ['100.64.0.1', true, 'carrier-grade NAT'],
  ['0.0.0.0', true, 'unspecified'],
  ['224.0.0.1', true, 'multicast'],
  ['8.8.8.8', false, 'public'],
  ['93.184.216.34', false, 'public'],
  // plain IPv6
  ['::1', true, 'loopback'],
  ['::', true, 'unspecified'],
  ['fe80::1', true, 'link-local'],
  ['fc00::1', true, 'unique local'],
  ['fd12:3456::1', true, 'unique local'],
  ['ff02::1', true, 'multicast'],
  ['2001:db8::1', true, 'documentation'],
  ['2606:4700:4700::1111', false, 'public'],
  ['2a00:1450:4001:81b::200e', false, 'public'],
  // IPv4-compatible (::/96, deprecated): refused whatever it embeds
  ['::7f00:1', true, 'IPv4-compatible 127.0.0.1'],
  ['::a9fe:a9fe', true, 'IPv4-compatible 169.254.169.254'],
  ['::a00:1', true, 'IPv4-compatible 10.0.0.1'],
  ['::808:808', true, 'IPv4-compatible, even of a public address'],
  ['::127.0.0.1', true, 'IPv4-compatible written dotted'],
  ['::8.8.8.8', true, 'IPv4-compatible written dotted, public'],
  // IPv4-mapped ::ffff:0:0/96 and IPv4-translated ::ffff:0:0:0/96
  ['::ffff:127.0.0.1', true, 'mapped loopback'],
  ['::ffff:7f00:1', true, 'mapped loopback, hex'],
  ['::ffff:a9fe:a9fe', true, 'mapped link-local'],
  ['::ffff:8.8.8.8', false, 'mapped public'],
  ['::ffff:0:7f00:1', true, 'translated loopback'],
  ['::ffff:0:a00:1', true, 'translated private'],
  ['::ffff:0:808:808', false, 'translated public'],
  // NAT64 64:ff9b::/96 (RFC 6052) and the local-use 64:ff9b:1::/48 (RFC 8215)
  ['64:ff9b::7f00:1', true, 'NAT64 of loopback'],
  ['64:ff9b::a9fe:a9fe', true, 'NAT64 of link-local'],
  ['64:ff9b::192.168.0.1', true, 'NAT64 of private, dotted'],
  ['64:ff9b::808:808', false, 'NAT64 of a public address (DNS64 networks)'],
  ['64:ff9b:1::808:808', true, 'local-use NAT64: the embedding is not fixed'],
  // 6to4 2002::/16: the IPv4 sits in bits 16–47
  ['2002:7f00:1::1', true, '6to4 of loopback'],
  ['2002:a9fe:a9fe::1', true, '6to4 of link-local'],
  ['2002:c0a8:101::1', true, '6to4 of private'],
  ['2002:808:808::1', false, '6to4 of a public address'],
  // Teredo 2001::/32: server IPv4 in bits 32–63, client IPv4 inverted in bits 96–127
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', true, 'Teredo of client 127.0.0.1'],
  ['2001:0:4136:e378:8000:63bf:f5ff:fffe', true, 'Teredo of client 10.0.0.1'],
  ['2001:0:a00:1:8000:63bf:f7f7:f7f7', true, 'Teredo through a private server'],
  ['2001:0:4136:e378:8000:63bf:f7f7:f7f7', false, 'Teredo of client 8.8.8.8'],
  // not an address at all
  ['127.1', true, 'loopback, shorthand'],
  ['fe80::1%eth0', true, 'with a zone id'],
  ['localhost', true, 'not an IP literal'],
  ['', true, 'empty'],
];

describe('isPrivateAddress: the api_uri guard', () => {
  test.each(TABLE)('%s → refused %s (%s)', (address, refused) => {
    expect(isPrivateAddress(address)).toBe(refused);
  });
});
