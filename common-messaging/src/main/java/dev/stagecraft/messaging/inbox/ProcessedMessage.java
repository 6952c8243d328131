package dev.stagecraft.messaging.inbox;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

/** The idempotent-consumer record: which event ids a consumer already applied. */
@ApplicationScoped
public class ProcessedMessage {

    @Inject
    EntityManager em;

    /**
     * Records that {@code consumer} applies event {@code ceId}, in the caller's transaction.
     *
     * @return false when it was applied before, so the caller must change nothing
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public boolean firstDelivery(String consumer, String ceId) {
        int inserted = em.createNativeQuery(
                "insert into processed_message (consumer, ce_id) values (?1, ?2) on conflict do nothing")
                .setParameter(1, consumer).setParameter(2, ceId).executeUpdate();
        return inserted == 1;
    }
}
