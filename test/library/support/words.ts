/** Words that send a library user to a stack file or the Pulumi CLI: no library message may hold them. */
export const STACK_WORDS = /pulumi config|k3s-stacks:|Pulumi\.<stack>\.yaml|stack file/;
