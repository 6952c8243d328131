package dev.stagecraft.gateway.datasets;

import java.io.Serializable;
import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/**
 * The newest report of one dataset's pool on one runtime, as the setup-service that keeps it last published it: the
 * Docker engine and the cluster each keep their own pool of the same dataset.
 */
@Entity
@Table(name = "dataset_pool")
@IdClass(DatasetPool.Key.class)
public class DatasetPool extends PanacheEntityBase {

    /** A pool's key: the runtime that keeps it and the dataset. */
    public record Key(String runtime, String dataset) implements Serializable {

        /** For JPA, which makes an id class by its no-argument constructor. */
        public Key() {
            this(null, null);
        }
    }

    @Id
    public String runtime;
    @Id
    public String dataset;
    @Column(name = "pool_size")
    public int poolSize;
    public boolean snapshot;
    public int ready;
    public int filling;
    @Column(name = "checked_out")
    public int checkedOut;
    public String error;
    @Column(name = "observed_at")
    public OffsetDateTime observedAt;
}
