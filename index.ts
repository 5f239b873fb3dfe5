// Entry point for `pulumi up`: the stack is built by stacks/main.ts; its result becomes the stack outputs.
import { main } from "./stacks/main";
import { limitStackTraces } from "./stacks/stack-traces";

limitStackTraces(process.env);
export = main();
