/*
 * Phase 4's progress line: cells (or runs) done of those scheduled, and the time left at the rate seen
 * so far. Nextflow's own progress counts tasks per process; this one counts a stage's units of work
 * and says how long the rest should take, which is what a user of a 60-minute run asks.
 */
class Progress {
    private final String label
    private final String unit
    private int total = -1
    private int done = 0
    private long firstAt = 0
    private long lastLogAt = 0

    Progress(String label, String unit) {
        this.label = label
        this.unit = unit
    }

    synchronized void setTotal(int n) {
        total = n
    }

    /** Count one finished unit; a line to log every 10% (or minute), else null. */
    synchronized String tick() {
        done++
        def now = System.currentTimeMillis()
        if (done == 1) {
            firstAt = now
        }
        if (total <= 0) {
            return null
        }
        def step = Math.max(1, (int) Math.ceil(total / 10.0))
        if (done != total && done % step != 0 && now - lastLogAt < 60_000) {
            return null
        }
        lastLogAt = now
        def pct = (int) Math.round(100.0 * done / total)
        def left = ''
        if (done > 1 && done < total) {
            def secs = (now - firstAt) / 1000.0 / (done - 1) * (total - done)
            left = secs >= 90 ? ", about ${Math.round(secs / 60)} min left" : ", about ${Math.round(secs)} s left"
        }
        return "${label}: ${done}/${total} ${unit} done (${pct}%)${left}"
    }
}
