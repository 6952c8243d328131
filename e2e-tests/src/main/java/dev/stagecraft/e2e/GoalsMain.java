package dev.stagecraft.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * Every figure of the performance goals (docs/performance.md) in one run, each printed beside its goal. Runs, one
 * after another and each on a stack of its own: {@link ServicesMain} (20 idle seconds), {@link BenchmarkMain},
 * {@link IntakeMain} at 32 connections and at 8, and one round of {@link LoadMain}; each prints what its own script
 * prints. A part that fails is reported and the others still run. Exits non-zero when a measurement failed, zero
 * when every one completed, whether or not the goals are met. The generators run on the same machine as the
 * services. Usage: deploy/bench/all.sh [rounds] [pull requests] [intake seconds].
 */
public final class GoalsMain {

    private static final String NOT_APPLICABLE = "-";

    private GoalsMain() {
    }

    /** One line of the final table. */
    private record Row(String figure, String measured, String goal, String met) {
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int pullRequests = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        List<String> failed = new ArrayList<>();
        ServicesMain.Figures services = attempt("services", failed, () -> ServicesMain.measure(20));
        BenchmarkMain.Figures flow = attempt("benchmark", failed, () -> BenchmarkMain.measure(rounds));
        IntakeMain.Result intake = attempt("intake at 32 connections", failed, () -> IntakeMain.measure(32, seconds));
        IntakeMain.Result intake8 = attempt("intake at 8 connections", failed, () -> IntakeMain.measure(8, seconds));
        LoadMain.Figures load = attempt("load", failed, () -> LoadMain.measure(pullRequests, 1));
        checkAnswers("intake at 32 connections", intake, failed);
        checkAnswers("intake at 8 connections", intake8, failed);

        List<Row> rows = new ArrayList<>();
        flowRows(rows, flow);
        intakeRows(rows, intake, intake8);
        loadRows(rows, load);
        serviceRows(rows, services);
        System.out.println();
        System.out.printf("goals: %d rounds, %d pull requests, intake for %d s; the generators run on this same"
                + " machine as the services and take their share of its CPU (no second machine)%n", rounds,
                pullRequests, seconds);
        print(rows);
        if (!failed.isEmpty()) {
            System.err.println("goals: failed: " + String.join("; ", failed));
        }
        System.exit(failed.isEmpty() ? 0 : 1);
    }

    /** Runs one part; when it fails, prints why, adds it to {@code failed} and returns null. */
    private static <T> T attempt(String part, List<String> failed, Callable<T> measure) {
        try {
            return measure.call();
        } catch (Exception | AssertionError e) {
            System.err.println("goals: " + part + " failed: " + e);
            e.printStackTrace();
            failed.add(part);
            return null;
        }
    }

    /** An intake run counts as failed, as intake.sh has it, when nothing or not everything was answered 202. */
    private static void checkAnswers(String part, IntakeMain.Result result, List<String> failed) {
        if (result != null && !result.answeredAll()) {
            failed.add(part + ": " + result.accepted() + " answered 202, other answers " + result.others());
        }
    }

    private static void flowRows(List<Row> rows, BenchmarkMain.Figures flow) {
        if (flow == null) {
            rows.add(notMeasured("e2e flow (run.sh)"));
            return;
        }
        double total = flow.median(BenchmarkMain.TOTAL);
        double baseline = flow.median(BenchmarkMain.BASELINE);
        double ratio = total / baseline;
        rows.add(new Row("webhook -> READY, median", String.format("%.2f s (baseline %.2f s: %.2f x)", total,
                baseline, ratio), String.format("<= 1.25 x baseline (%.2f s)", 1.25 * baseline), met(ratio <= 1.25)));
        double p50 = flow.median(BenchmarkMain.OVERHEAD) * 1000;
        double p99 = flow.percentile(BenchmarkMain.OVERHEAD, 0.99) * 1000;
        rows.add(new Row("platform overhead (total - build - setup), p50", String.format("%.0f ms", p50),
                "<= 50 ms", met(p50 <= 50)));
        String ofRounds = flow.rounds() <= 100 ? " (p99 = max with " + flow.rounds() + " rounds)" : "";
        rows.add(new Row("platform overhead (total - build - setup), p99", String.format("%.0f ms%s", p99, ofRounds),
                "<= 200 ms", met(p99 <= 200)));
        double patched = flow.median(BenchmarkMain.PATCHED);
        double byHand = flow.median(BenchmarkMain.PATCH_BASELINE);
        rows.add(new Row("push -> patched READY, median", String.format("%.2f s (by hand %.2f s: %.2f x)", patched,
                byHand, patched / byHand), String.format("<= 1.25 x by hand (%.2f s)", 1.25 * byHand),
                met(patched <= 1.25 * byHand)));
        double deleted = flow.median(BenchmarkMain.DELETED);
        rows.add(new Row("close -> DELETED, median", String.format("%.2f s", deleted), "<= 0.5 s",
                met(deleted <= 0.5)));
    }

    private static void intakeRows(List<Row> rows, IntakeMain.Result intake, IntakeMain.Result intake8) {
        if (intake == null) {
            rows.add(notMeasured("intake at 32 connections (intake.sh)"));
        } else {
            rows.add(new Row("intake, 32 connections: throughput", String.format("%.0f/s", intake.perSecond()),
                    ">= 2000/s", met(intake.perSecond() >= 2000)));
            rows.add(new Row("intake, 32 connections: p99", String.format("%.1f ms", intake.percentile(99)),
                    "<= 50 ms", met(intake.percentile(99) <= 50)));
        }
        if (intake8 == null) {
            rows.add(notMeasured("intake at 8 connections (intake.sh)"));
        } else {
            rows.add(new Row("intake, 8 connections: p99", String.format("%.1f ms", intake8.percentile(99)),
                    "(information)", NOT_APPLICABLE));
        }
    }

    private static void loadRows(List<Row> rows, LoadMain.Figures load) {
        if (load == null) {
            rows.add(notMeasured("scale (load.sh)"));
            return;
        }
        LoadMain.Round round = load.rounds().get(0);
        rows.add(new Row("scale: pull requests READY", String.format("%d of %d, the last after %.1f s", round.ready(),
                round.pullRequests(), round.lastReadySeconds()), "all 200 READY",
                met(round.pullRequests() >= 200 && round.notReady() == 0)));
        double lag = load.lagPercentile(0.99);
        rows.add(new Row("scale: gateway consumer lag, p99", String.format("%.2f s (%d samples)", lag,
                load.lags().size()), "< 1 s", met(lag < 1)));
        rows.add(new Row("scale: GET /api/environments, p99", String.format("%.1f ms (>= 1,000 environments)",
                round.listP99Millis()), "< 50 ms", met(round.listP99Millis() < 50)));
        rows.add(new Row("scale: teardown", String.format("%d of %d DELETED within %.1f s, %d left", round.deleted(),
                round.pullRequests(), round.deletedWithinSeconds(), round.left().size()), "all DELETED, nothing left",
                met(round.notDeleted() == 0 && round.left().isEmpty())));
    }

    private static void serviceRows(List<Row> rows, ServicesMain.Figures services) {
        if (services == null) {
            rows.add(notMeasured("services (services.sh)"));
            return;
        }
        Map.Entry<String, Double> rss = largest(services.idleRssMegabytes());
        rows.add(new Row("idle RSS per service, max", String.format("%.0f MB (%s)", rss.getValue(), rss.getKey()),
                "<= 200 MB", met(rss.getValue() <= 200)));
        Map.Entry<String, Double> alone = largest(services.aloneSeconds());
        rows.add(new Row("start alone, max over services", String.format("%.2f s (%s)", alone.getValue(),
                alone.getKey()), "<= 3 s", met(alone.getValue() <= 3)));
        rows.add(new Row("all five started at once", String.format("%.2f s", services.allAtOnceSeconds()), "<= 6 s",
                met(services.allAtOnceSeconds() <= 6)));
    }

    private static Map.Entry<String, Double> largest(Map<String, Double> byService) {
        return byService.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow();
    }

    private static Row notMeasured(String part) {
        return new Row(part, "not measured: failed (see above)", NOT_APPLICABLE, NOT_APPLICABLE);
    }

    private static String met(boolean met) {
        return met ? "yes" : "no";
    }

    private static void print(List<Row> rows) {
        Row header = new Row("figure", "measured", "goal", "met");
        int figure = header.figure().length();
        int measured = header.measured().length();
        int goal = header.goal().length();
        for (Row row : rows) {
            figure = Math.max(figure, row.figure().length());
            measured = Math.max(measured, row.measured().length());
            goal = Math.max(goal, row.goal().length());
        }
        String format = "%-" + figure + "s | %-" + measured + "s | %-" + goal + "s | %s%n";
        System.out.printf(format, header.figure(), header.measured(), header.goal(), header.met());
        System.out.printf(format, "-".repeat(figure), "-".repeat(measured), "-".repeat(goal), "---");
        rows.forEach(row -> System.out.printf(format, row.figure(), row.measured(), row.goal(), row.met()));
    }
}
