import { describe, expect, test } from 'vitest';
import { FactUnavailable } from '../../contract.js';
import { fixture } from '../testing/fixtures.js';
import { majorOf, parseSwVers, parseUnameMachine } from './sw-vers.js';

describe('parseSwVers', () => {
  test.each([
    ['macos-12.7.6.txt', { productName: 'macOS', productVersion: '12.7.6', buildVersion: '21H1320' }],
    ['macos-13.6.9.txt', { productName: 'macOS', productVersion: '13.6.9', buildVersion: '22G830' }],
    ['macos-13.4.1-rsr.txt', { productName: 'macOS', productVersion: '13.4.1', buildVersion: '22F770820d', productVersionExtra: '(a)' }],
    ['macos-14.7.1.txt', { productName: 'macOS', productVersion: '14.7.1', buildVersion: '23H222' }],
    ['macos-15.1.txt', { productName: 'macOS', productVersion: '15.1', buildVersion: '24B83' }],
  ])('%s', (name, expected) => {
    expect(parseSwVers(fixture(`sw-vers/${name}`))).toEqual(expected);
  });

  test.each([[''], ['ProductName:\tmacOS\n'], ['ProductVersion:\tfifteen\n']])('no usable version: %j', (text) => {
    expect(() => parseSwVers(text)).toThrow(FactUnavailable);
  });

  test('majorOf', () => {
    expect(majorOf('15.1')).toBe(15);
    expect(majorOf('13.4.1')).toBe(13);
  });
});

describe('parseUnameMachine', () => {
  test.each([['arm64\n', 'arm64'], ['x86_64\n', 'x86_64']])('%j', (text, arch) => {
    expect(parseUnameMachine(text)).toBe(arch);
  });
  test('garbage', () => {
    expect(() => parseUnameMachine('uname: illegal option -- x\n')).toThrow(FactUnavailable);
  });
});
