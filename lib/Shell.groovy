/*
 * Shell quoting for task scripts. A param or config value never reaches a task's shell unquoted:
 * `Shell.quote(x)` makes any string one single-quoted shell word (a `'` inside becomes `'\''`).
 * Nextflow loads the classes of lib/ on every run (nf-core convention).
 */
class Shell {
    static String quote(Object value) {
        if (value == null) {
            return "''"
        }
        return "'" + value.toString().replace("'", "'\\''") + "'"
    }
}
