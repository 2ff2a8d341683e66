/**
 * Go `%#v` renderings of the few values Kubernetes quotes in its messages
 * (label maps, label selectors), wrapped in GoValue so field errors print
 * them verbatim: `map[string]string{"app":"web"}`.
 */
import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { GoValue } from '../errors.js';

const q = (s: string) => JSON.stringify(s);

export function goStringMapText(m: Record<string, string> | undefined | null): string {
  if (m == null) return 'map[string]string(nil)';
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${q(k)}:${q(m[k])}`).join(', ')}}`;
}

export function goStringMap(m: Record<string, string> | undefined | null): GoValue {
  return new GoValue(goStringMapText(m));
}

function goStrings(v: string[] | undefined): string {
  if (v == null) return '[]string(nil)';
  return `[]string{${v.map(q).join(', ')}}`;
}

export function goLabelSelectorText(sel: LabelSelector | undefined | null): string {
  if (sel == null) return 'null';
  const exprs = sel.matchExpressions;
  const exprText =
    exprs == null
      ? '[]v1.LabelSelectorRequirement(nil)'
      : `[]v1.LabelSelectorRequirement{${exprs
          .map((e) => `v1.LabelSelectorRequirement{Key:${q(e.key)}, Operator:${q(e.operator)}, Values:${goStrings(e.values)}}`)
          .join(', ')}}`;
  return `v1.LabelSelector{MatchLabels:${goStringMapText(sel.matchLabels)}, MatchExpressions:${exprText}}`;
}

export function goLabelSelector(sel: LabelSelector | undefined | null): GoValue {
  return new GoValue(goLabelSelectorText(sel));
}
