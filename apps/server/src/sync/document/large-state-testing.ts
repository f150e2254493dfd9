import * as Y from "yjs";
import { createAnnotation } from "@marginalia/schema";
import { alice } from "../authorize/authorize-testing.ts";
import { SLICED_BUILD_BYTES } from "./sliced-build.ts";

/** A stored state past the sliced-build size, and a client in sync with it. */
export function largeState() {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (let i = 0; i < 200; i++) createAnnotation(doc, { kind: "comment", authorId: alice, body: `${i} `.padEnd(1_500, "x") });
  });
  const state = Y.encodeStateAsUpdate(doc);
  if (state.byteLength < SLICED_BUILD_BYTES) throw new Error(`the state is ${state.byteLength} bytes, under the sliced-build size`);
  return { doc, state };
}
