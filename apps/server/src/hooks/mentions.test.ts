import { describe, expect, it } from "vitest";
import { type Mentionable, mentionIndex, mentionedMembers } from "./mentions.ts";

const person = (id: string, name: string, email = `${id}-mail@example.org`): Mentionable => ({
  id,
  names: [name],
  handles: [email.split("@")[0]!, name.replace(/\s+/g, "").toLowerCase()],
  firstName: name.split(" ")[0]!,
});
const carol = person("carol", "Carol Moderator");
const carl = person("carl", "Carl Jensen");
const ana = person("ana", "Ana Lopez", "ana.lopez@example.org");
const mentioned = (body: string, members: Mentionable[]) => [...mentionedMembers(body, mentionIndex(members))].sort();

describe("mentions", () => {
  it("names a member by whole display name, in any case and spacing, followed by punctuation", () => {
    expect(mentioned("Thanks @Carol Moderator, see above", [carol, carl, ana])).toEqual(["carol"]);
    expect(mentioned("(@carol   moderator)", [carol, carl])).toEqual(["carol"]);
    expect(mentioned("@Carol Moderator's point", [carol])).toEqual(["carol"]);
  });

  it("names a member by a first name nobody else has", () => {
    expect(mentioned("@Carol what do you think?", [carol, carl, ana])).toEqual(["carol"]);
    expect(mentioned("@Ana and @Carl", [carol, carl, ana])).toEqual(["ana", "carl"]);
  });

  it("keeps handles: the email's local part and the name without spaces", () => {
    expect(mentioned("cc @ana.lopez.", [carol, ana])).toEqual(["ana"]);
    expect(mentioned("cc @carolmoderator", [carol, ana])).toEqual(["carol"]);
  });

  it("notifies nobody for a first name or a whole name two members share, but the whole name still tells them apart", () => {
    const other = person("carol2", "Carol Smith");
    expect(mentioned("@Carol please check", [carol, other])).toEqual([]);
    expect(mentioned("@Carol Smith please check", [carol, other])).toEqual(["carol2"]);
    const twin = person("twin", "Carol Moderator");
    expect(mentioned("@Carol Moderator", [carol, twin])).toEqual([]);
    expect(mentioned(`@${"carol"}`, [carol, twin])).toEqual([]);
  });

  it("prefers the longest whole name, then a handle, to a first name", () => {
    const carolOnly = person("c1", "Carol");
    expect(mentioned("@Carol Moderator", [carol, carolOnly])).toEqual(["carol"]);
    // "ana" is one member's handle and another's first name: the handle decides.
    const anaB = person("anab", "Ana Berg", "someone@example.org");
    expect(mentioned("@ana see this", [person("a", "Alex Ray", "ana@example.org"), anaB])).toEqual(["a"]);
  });

  it("does not take a name that goes on into a longer word, or an email address", () => {
    expect(mentioned("@Carolyn", [carol])).toEqual([]);
    expect(mentioned("write to carol@example.org", [carol])).toEqual([]);
    expect(mentioned("@Ana.lopezz", [ana])).toEqual([]);
  });

  it("names someone by pseudonym only, for a writer shown pseudonyms", () => {
    const masked: Mentionable = { id: "carol", names: ["Participant K7QD"], handles: [], firstName: null };
    const other: Mentionable = { id: "x", names: ["Participant AB12"], handles: [], firstName: null };
    expect(mentioned("@Participant K7QD agreed", [masked, other])).toEqual(["carol"]);
    expect(mentioned("@Participant agreed", [masked, other])).toEqual([]);
    expect(mentioned("@Carol @carol @Carol Moderator", [masked, other])).toEqual([]);
  });
});
