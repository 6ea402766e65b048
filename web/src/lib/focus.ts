// Where the keyboard goes when a step of a form replaces the control that led to it (the
// button pressed is gone): `{@attach focusHere}` on what should have focus next.
export function focusHere(node: HTMLElement): void {
  node.focus();
}
