package dev.stagecraft.gateway.datasets;

import java.time.OffsetDateTime;
import java.util.List;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;

import dev.stagecraft.gateway.api.ApiException;

/**
 * {@code GET /api/datasets} and {@code GET /api/datasets/{name}} (viewer): the installation's datasets and their
 * pools as the setup-service last reported them. Datasets are configured on the setup-service
 * ({@code stagecraft.datasets.<name>.*}); an environment template names them.
 */
@Path("/api/datasets")
@Produces(MediaType.APPLICATION_JSON)
public class DatasetResource {

    /** One dataset's pool: copies ready, being made and checked out, when that was seen, and a refill's error. */
    public record DatasetView(String name, String runtime, int poolSize, boolean snapshot, int ready, int filling,
            int checkedOut, String error, OffsetDateTime observedAt) {

        static DatasetView of(DatasetPool pool) {
            return new DatasetView(pool.dataset, pool.runtime, pool.poolSize, pool.snapshot, pool.ready,
                    pool.filling, pool.checkedOut, pool.error, pool.observedAt);
        }
    }

    /** Every dataset reported, by name, one entry per runtime that keeps a pool of it. */
    @GET
    public List<DatasetView> list() {
        return DatasetPool.<DatasetPool>listAll().stream().map(DatasetView::of)
                .sorted(java.util.Comparator.comparing(DatasetView::name).thenComparing(DatasetView::runtime))
                .toList();
    }

    /**
     * One dataset's pool on {@code runtime}, which may be left out when one runtime keeps the dataset; 404 naming the
     * known ones, 400 naming the runtimes when several keep it and none is given.
     */
    @GET
    @Path("/{name}")
    public DatasetView one(@PathParam("name") String name, @QueryParam("runtime") String runtime) {
        List<DatasetPool> pools = DatasetPool.<DatasetPool>list("dataset", name).stream()
                .filter(p -> runtime == null || runtime.isBlank() || runtime.equals(p.runtime))
                .sorted(java.util.Comparator.comparing(p -> p.runtime)).toList();
        if (pools.isEmpty()) {
            throw new ApiException(404, "dataset_not_found", "no dataset '" + name + "' has been reported"
                    + (runtime == null || runtime.isBlank() ? "" : " by runtime '" + runtime + "'") + "; known: "
                    + list().stream().map(v -> v.name() + " (" + v.runtime() + ")").toList()
                    + " (datasets are configured on the setup-service: stagecraft.datasets.<name>.dump)");
        }
        if (pools.size() > 1) {
            throw new ApiException(400, "runtime_required", "dataset '" + name + "' has a pool on each of the"
                    + " runtimes " + pools.stream().map(p -> p.runtime).toList() + "; say which with ?runtime=<name>");
        }
        return DatasetView.of(pools.get(0));
    }
}
