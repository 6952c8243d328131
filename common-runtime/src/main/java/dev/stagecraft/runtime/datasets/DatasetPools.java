package dev.stagecraft.runtime.datasets;

import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The installation's datasets as one runtime keeps them: a snapshot per dataset and a pool of ready copies, which
 * the setup-service refills in the background and sweeps ({@code DatasetRefill}), and which setups check copies out
 * of. How a copy is made, claimed and destroyed is the runtime's own (Docker volumes, PersistentVolumeClaims).
 */
public interface DatasetPools {

    /** The configured datasets by name. */
    Map<String, Dataset> datasets();

    /** Restores a missing snapshot and makes the copies the pool lacks; returns how many copies it made. */
    int refill(Dataset dataset) throws InterruptedException;

    /** The pool of {@code dataset}: copies of its current source by state. */
    PoolStatus status(Dataset dataset);

    /**
     * Removes what no dataset should keep (copies and snapshots of an older source or of a dataset no longer
     * configured, copies nothing holds); returns what it removed.
     */
    List<String> sweep();

    /** The pool of every configured dataset. */
    default List<PoolStatus> status() {
        return datasets().values().stream().map(this::status).toList();
    }

    /** The dataset called {@code name}, or an error naming the ones there are. */
    default Dataset dataset(String name) {
        Dataset dataset = datasets().get(name);
        if (dataset == null) {
            throw new IllegalArgumentException("no dataset '" + name + "' on this installation; configured: "
                    + new TreeSet<>(datasets().keySet()) + " (stagecraft.datasets.<name>.dump or .seed.image on the"
                    + " setup-service)");
        }
        return dataset;
    }

    /**
     * The dataset {@code name} for an environment of {@code application}; refused when the dataset lists the
     * applications it is for and this is not one (a template, which a pull request may change, names datasets: one
     * application's pull request must not get another's data).
     */
    default Dataset datasetFor(String name, String application) {
        Dataset dataset = dataset(name);
        if (!dataset.allows(application)) {
            throw new IllegalArgumentException("dataset '" + name + "' is for application(s) "
                    + String.join(", ", dataset.applications()) + " only (stagecraft.datasets." + name
                    + ".applications); application '" + application + "' may not check it out");
        }
        return dataset;
    }
}
