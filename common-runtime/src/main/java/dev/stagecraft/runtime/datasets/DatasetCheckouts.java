package dev.stagecraft.runtime.datasets;

import java.util.Map;
import java.util.function.Function;

import dev.stagecraft.events.EnvironmentSpec;
import dev.stagecraft.runtime.EnvironmentRuntime.DeployResult;
import dev.stagecraft.runtime.RuntimeListener;
import dev.stagecraft.runtime.RuntimeSpans;

/**
 * The {@code datasets.<name>} tasks of a setup, the same on every runtime: before the services deploy, a copy of each
 * dataset the spec lists is checked out to the environment, each its own task that says which copy, whether it came
 * from the pool and how long it took; the first that fails fails the setup.
 */
public final class DatasetCheckouts {

    /** A copy as the task reports it: its volume, and whether it came from the pool or was made for the setup. */
    public interface Copy {
        String volume();

        boolean fromPool();
    }

    /** A runtime's checkout of one dataset of the spec. */
    @FunctionalInterface
    public interface Checkout<C extends Copy> {
        C checkout(EnvironmentSpec.DatasetSpec dataset) throws InterruptedException;
    }

    private DatasetCheckouts() {
    }

    /**
     * Checks a copy of each of the spec's datasets out with {@code checkout} (in a span {@code span}), into
     * {@code copies} by the service serving it; {@code where} adds what the runtime says of a copy (its claim, say).
     * Returns the failed setup, or null when every copy was checked out.
     */
    public static <C extends Copy> DeployResult checkOut(String environmentId, EnvironmentSpec spec, String span,
            Checkout<C> checkout, Function<C, String> where, Map<String, C> copies, RuntimeListener listener) {
        for (EnvironmentSpec.DatasetSpec dataset : spec.datasets()) {
            String task = "datasets." + dataset.name();
            listener.taskStarted(task);
            long began = System.nanoTime();
            try {
                C copy = RuntimeSpans.inSpan(span, environmentId, () -> checkout.checkout(dataset));
                copies.put(dataset.service(), copy);
                String how = copy.fromPool() ? "from the pool" : "made now: the pool was empty, which is slower";
                listener.taskFinished(task, true, "copy " + copy.volume() + " checked out " + how + " in "
                        + (System.nanoTime() - began) / 1_000_000 + " ms" + where.apply(copy) + "; served by '"
                        + dataset.service() + "'");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                listener.taskFinished(task, false, "interrupted");
                return DeployResult.failed(task, "interrupted while checking out dataset '" + dataset.name() + "'");
            } catch (RuntimeException e) {
                listener.taskFinished(task, false, e.getMessage());
                return DeployResult.failed(task, "dataset '" + dataset.name() + "' could not be checked out: "
                        + e.getMessage());
            }
        }
        return null;
    }
}
