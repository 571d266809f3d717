import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import express from 'express';
import { termsPage, termsRoutes } from '../../../../src/channels/wap/terms.routes.js';

describe('WAP terms page', () => {
  it('termsPage – in both languages – is plain HTML under 10 KB with no script', () => {
    for (const locale of ['zh-CN', 'en'] as const) {
      const html = termsPage(locale);
      expect(Buffer.byteLength(html)).to.be.below(10 * 1024);
      expect(html).to.match(/^<!DOCTYPE html>/);
      expect(html).not.to.match(/<script/i);
      expect(html).to.include(`lang="${locale}"`);
    }
    expect(termsPage('zh-CN')).to.include('一一对应');
    expect(termsPage('en')).to.include('One wallet per phone number');
  });

  it('GET /wap/terms – picks ?lang, else Accept-Language, else the default', async () => {
    const app = express().use(termsRoutes('zh-CN'));
    const server = app.listen(0);
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wap/terms`;
      const asked = await fetch(`${base}?lang=en`);
      expect(asked.headers.get('content-type')).to.match(/text\/html/);
      expect(await asked.text()).to.include('lang="en"');
      const header = await fetch(base, { headers: { 'Accept-Language': 'en-US,en;q=0.9' } });
      expect(await header.text()).to.include('lang="en"');
      const plain = await fetch(base);
      expect(await plain.text()).to.include('lang="zh-CN"');
    } finally {
      server.close();
    }
  });
});
