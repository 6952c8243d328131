package dev.stagecraft.gateway.datasets;

import java.time.OffsetDateTime;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;

/** The newest report of one dataset's pool, as the setup-service that keeps it last published it. */
@Entity
@Table(name = "dataset_pool")
public class DatasetPool extends PanacheEntityBase {

    @Id
    public String dataset;
    public String runtime;
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
