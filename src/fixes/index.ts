/**
 * The fixes that can actually be applied. Checks declare the fix they will offer (`fix` in
 * checks/<id>.ts); a finding names it only once it is implemented here, so a report never
 * promises a repair the tool cannot make. The fix engine (plans, backup, apply, verify, roll
 * back) fills this list.
 */
export const IMPLEMENTED_FIXES: readonly string[] = [];
