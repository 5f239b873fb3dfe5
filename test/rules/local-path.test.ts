// Local file paths in settings (components/rules/local-path.ts): no shell ever expands them, so `~`
// is expanded here for every such setting, and what only a shell expands is refused with the fix.
import * as os from "os";
import * as path from "path";
import { expandHome, localPathProblem, resolveLocalPath } from "../../components/rules/local-path";

test("~ and ~/... are this user's home; relative paths resolve from the base directory; others stay", () => {
  expect(expandHome("~")).toBe(os.homedir());
  expect(expandHome("~/.ssh/id_ed25519")).toBe(path.join(os.homedir(), ".ssh/id_ed25519"));
  expect(resolveLocalPath("~/bundle", "/srv/project")).toBe(path.join(os.homedir(), "bundle"));
  expect(resolveLocalPath("certs/ca.pem", "/srv/project")).toBe("/srv/project/certs/ca.pem");
  expect(resolveLocalPath("/etc/ssl/ca.pem", "/srv/project")).toBe("/etc/ssl/ca.pem");
  expect(expandHome("a~b")).toBe("a~b");
});

test.each([
  ["~pi/.ssh/id_ed25519", "starts with ~pi", "/home/pi/.ssh/id_ed25519"],
  ["~admin", "starts with ~admin", "/home/admin/"],
  ["$HOME/.ssh/id_ed25519", "holds $HOME", "write '~/.ssh/id_ed25519'"],
  ["${HOME}/bundle", "holds $HOME", "write '~/bundle'"],
  ["/srv/$SITE/bundle", "holds $SITE", "write the path itself"],
  ["keys/${KEY_NAME}", "holds $KEY_NAME", "write the path itself"],
])("%s is refused: only a shell expands it", (file, what, fix) => {
  expect(localPathProblem(file)).toMatch(new RegExp(`^'.+' ${what.replace("$", "\\$")}, which only a shell expands.*Fix: .*${fix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
});

test.each(["~", "~/.ssh/id_ed25519", "./bundle", "/etc/ssl/ca.pem", "price$", "a$1"])("%s is read as written", (file) => {
  expect(localPathProblem(file)).toBeUndefined();
});
