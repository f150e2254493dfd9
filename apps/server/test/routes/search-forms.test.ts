import { buildTarget } from "@marginalia/schema";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type TestApp, createGroup, createTestApp, signUp } from "../support/app.ts";

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

const NFC = "caf\u00e9";
const NFD = "cafe\u0301";
// Persian kaf and yeh (ک ی), and the Arabic letters keyboards type for them (ك ي).
const PERSIAN = "\u06a9\u062a\u0627\u0628 \u0628\u0627\u0632\u06cc";
const ARABIC = "\u0643\u062a\u0627\u0628 \u0628\u0627\u0632\u064a";

describe("q and the ways one word is written", () => {
  it("finds a word in NFC or NFD whichever form the query has, without its accents or vowel marks, and reads Arabic yeh and kaf as Persian", async () => {
    const owner = await signUp(t.app, "Owner");
    const group = await createGroup(owner, "Desk");
    // An import keeps the text's form, so a quote of it is in NFD.
    const imported = await owner.post(`/api/groups/${group.id}/articles`, `Notes\n\nWe met at the ${NFD} downtown, then went home.`, { "content-type": "text/plain" });
    expect(imported.status).toBe(201);
    const article = (await owner.get(`/api/articles/${imported.body.id}`)).body as { id: string; text: string };
    const at = article.text.indexOf(NFD);
    expect(at).toBeGreaterThan(-1);
    const post = async (body: string, target: unknown = null) => {
      const res = await owner.post(`/api/articles/${article.id}/annotations`, { kind: "comment", body, target });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const quote = await post("A place", buildTarget(article.text, { start: at, end: at + NFD.length }, 1));
    const decomposed = await post(`Lunch at the ${NFD}`);
    const composed = await post(`Dinner at the ${NFC}`);
    const persian = await post(PERSIAN);
    const arabic = await post(ARABIC);
    // Persian digits and heh; the query may have Arabic-Indic digits, ASCII ones, or teh marbuta.
    const year = await post("\u0645\u062f\u0631\u0633\u0647 \u06f2\u06f0\u06f2\u06f4");

    const found = async (q: string) => {
      const res = await owner.get(`/api/articles/${article.id}/annotations?q=${encodeURIComponent(q)}`);
      expect(res.status).toBe(200);
      const ids = (res.body.annotations as { id: string }[]).map((a) => a.id).sort();
      const across = await owner.get(`/api/groups/${group.id}/annotations?q=${encodeURIComponent(q)}`);
      expect((across.body.annotations as { id: string }[]).map((a) => a.id).sort()).toEqual(ids);
      return ids;
    };
    const cafes = [quote, decomposed, composed].sort();
    expect(await found(NFC)).toEqual(cafes);
    expect(await found(NFD)).toEqual(cafes);
    const books = [persian, arabic].sort();
    for (const q of [PERSIAN, ARABIC, "\u06a9\u062a\u0627\u0628", "\u0643\u062a\u0627\u0628", "\u0628\u0627\u0632\u064a", "\u0628\u0627\u0632\u06cc"]) {
      expect(await found(q), q).toEqual(books);
    }
    for (const q of ["\u0662\u0660\u0662\u0664", "2024", "\u0645\u062f\u0631\u0633\u0629"]) expect(await found(q), q).toEqual([year]);

    // Marks a reader may leave out, on either side: accents, Arabic and Persian vowel marks, tatweel and the
    // zero-width non-joiner; and presentation forms pasted from a PDF.
    expect(await found("cafe")).toEqual(cafes);
    const vowels = await post("\u0645\u064e\u062f\u0652\u0631\u064e\u0633\u064e\u0647\u0654 \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645 \u0639\u0640\u0640\u0644\u0645");
    const ligature = await post("An \ufb01eld report");
    expect(await found("\u0645\u062f\u0631\u0633\u0647")).toEqual([vowels, year].sort());
    expect(await found("\u0645\u06cc\u062e\u0648\u0627\u0647\u0645")).toEqual([vowels]);
    expect(await found("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")).toEqual([vowels]);
    expect(await found("\u0639\u0644\u0645")).toEqual([vowels]);
    expect(await found("field")).toEqual([ligature]);
    expect(await found("caf\u00e8")).toEqual(cafes);
  }, 60_000);
});
