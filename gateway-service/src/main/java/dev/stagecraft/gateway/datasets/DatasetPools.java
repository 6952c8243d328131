package dev.stagecraft.gateway.datasets;

import java.util.HashSet;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import dev.stagecraft.events.DatasetPoolsReported;

/**
 * Keeps the newest pool report of every dataset on every runtime ({@link DatasetPoolsReported}): a report older than
 * the one kept for that runtime is ignored (records of several setup-service instances arrive in any order), a report
 * of one runtime never changes another runtime's pool of the same dataset, and a dataset the runtime's newest report
 * no longer names is forgotten on that runtime (its configuration was removed).
 */
@ApplicationScoped
public class DatasetPools {

    @Transactional(Transactional.TxType.MANDATORY)
    public void record(DatasetPoolsReported report) {
        Set<String> named = new HashSet<>();
        for (DatasetPoolsReported.DatasetPool pool : report.pools()) {
            named.add(pool.dataset());
            DatasetPool row = DatasetPool.findById(new DatasetPool.Key(report.runtime(), pool.dataset()));
            if (row != null && row.observedAt.isAfter(report.observedAt())) {
                continue;
            }
            if (row == null) {
                row = new DatasetPool();
                row.dataset = pool.dataset();
                row.runtime = report.runtime();
            }
            row.poolSize = pool.poolSize();
            row.snapshot = pool.snapshot();
            row.ready = pool.ready();
            row.filling = pool.filling();
            row.checkedOut = pool.checkedOut();
            row.error = pool.error() == null || pool.error().length() <= 2000 ? pool.error()
                    : pool.error().substring(0, 2000);
            row.observedAt = report.observedAt();
            row.persist();
        }
        DatasetPool.<DatasetPool>list("runtime = ?1 and observedAt < ?2", report.runtime(), report.observedAt())
                .stream().filter(row -> !named.contains(row.dataset)).forEach(DatasetPool::delete);
    }
}
