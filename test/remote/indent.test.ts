// indent() puts every rendered phase body into scriptFrame's case arms: a heredoc body or terminator
// that gained spaces would change a written file or never end the heredoc.
import { indent } from "../../components/remote/shell";

describe("indent", () => {
  it("pads non-empty lines and leaves empty ones empty", () => {
    expect(indent("a\n\n  b\n", 2)).toBe("  a\n\n    b\n");
    expect(indent("", 4)).toBe("");
  });

  it.each([
    ["unquoted", "cat <<EOF", "EOF"],
    ["quoted", "cat > f <<'K3S_STACKS_EOF'", "K3S_STACKS_EOF"],
    ["double-quoted with <<-", 'x <<- "M"', "M"],
  ])("keeps a %s heredoc's body and terminator byte-exact", (_, opener, mark) => {
    const body = `echo x\n${opener}\n  kept\n\nEOFX\n ${mark}\n${mark}\necho y`;
    expect(indent(body, 2)).toBe(`  echo x\n  ${opener}\n  kept\n\nEOFX\n ${mark}\n${mark}\n  echo y`);
  });

  it("keeps an empty heredoc, and one that is never closed, as written", () => {
    expect(indent("cat <<E\nE\nz", 1)).toBe(" cat <<E\nE\n z");
    expect(indent("cat <<E\nrest\n more", 1)).toBe(" cat <<E\nrest\n more");
    expect(indent("a\ncat <<E", 1)).toBe(" a\n cat <<E");
  });

  it("pads lines with << that open no heredoc (a here-string, a shift)", () => {
    expect(indent("x=$((1 << 2))\ngrep q <<< \"$v\"\nb", 2)).toBe("  x=$((1 << 2))\n  grep q <<< \"$v\"\n  b");
  });
});
