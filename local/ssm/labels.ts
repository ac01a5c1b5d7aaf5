/**
 * Parameter labels as SSM allows them.
 */

const LABEL_CHARACTERS = /^[a-zA-Z0-9_.-]{1,100}$/;

/**
 * True for a label LabelParameterVersion attaches: at most 100 letters, digits, `.`, `-` or
 * `_`, not starting with a digit, `aws` or `ssm` (any case). SSM answers others in
 * `InvalidLabels` rather than failing the call.
 *
 * @example
 * isValidLabel('prod'); // true
 * isValidLabel('2024'); // false
 */
export function isValidLabel(label: string): boolean {
  return LABEL_CHARACTERS.test(label) && !/^[0-9]/.test(label) && !/^(aws|ssm)/i.test(label);
}
