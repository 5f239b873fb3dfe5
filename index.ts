// Entry point for `pulumi up`: the stack is built by stacks/main.ts; its result becomes the stack outputs.
import { main } from "./stacks/main";

export = main();
