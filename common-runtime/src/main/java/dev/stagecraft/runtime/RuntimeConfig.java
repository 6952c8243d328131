package dev.stagecraft.runtime;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.stagecraft.events.RuntimeChoice;
import dev.stagecraft.runtime.kubernetes.NamespaceConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * What the runtimes read of {@code stagecraft.*}: which are enabled, the Docker engine and its defaults, the router
 * environments are published through, and the Kubernetes ingress, storage and namespace fences; each with its default.
 */
@ConfigMapping(prefix = "stagecraft")
public interface RuntimeConfig {

    Runtime runtime();

    Router router();

    Docker docker();

    /** The fences of every environment namespace: {@code stagecraft.kubernetes.*}. */
    NamespaceConfig kubernetes();

    /**
     * {@code stagecraft.datasets.<name>.*}: the installation's datasets, which an environment template's
     * {@code datasets} name (Docker and Kubernetes runtimes; read by the setup-service, which keeps their pools).
     */
    Map<String, DatasetConfig> datasets();

    /**
     * One dataset: its engine, a dump or a seed job that makes its snapshot, the database, its pool and its
     * obfuscation.
     */
    interface DatasetConfig {

        /** {@code postgresql} or {@code mysql} (served by MariaDB, which speaks MySQL's protocol). */
        @WithDefault("postgresql")
        String engine();

        /**
         * The dump on the setup-service's file system: for PostgreSQL plain SQL or pg_dump's custom format
         * ({@code -Fc}), for MySQL mysqldump's SQL of one database, gzipped or not. Exactly one of dump and seed.
         */
        Optional<String> dump();

        /** A seed job that fills a fresh database instead of a dump. */
        Optional<SeedConfig> seed();

        /** Ready copies the pool keeps. */
        @WithDefault("2")
        int poolSize();

        /** The database the dump is restored into. */
        @WithDefault("app")
        String database();

        /** The role that owns it, which environments connect as. */
        @WithDefault("app")
        String user();

        /** That role's password (every copy of the dataset has it). */
        String password();

        /** SQL run on each copy before it enters the pool (e.g. to replace personal data). */
        Optional<String> obfuscate();

        /**
         * The applications whose environments may check a copy out; unset: every application's. Set it when the
         * installation serves several teams: a template, which a pull request may change, names the datasets.
         */
        Optional<List<String>> applications();

        /**
         * Kubernetes: the PostgreSQL image the dataset's restore and prepare Jobs run (pulled by the nodes); unset:
         * the official {@code postgres:15}. Its major version must be the database service's.
         */
        Optional<String> image();
    }

    /** {@code stagecraft.datasets.<name>.seed.*}: the job that makes a dataset's snapshot. */
    interface SeedConfig {

        /** The job's image, on the Docker engine or pullable by it; a new image makes a new snapshot. */
        String image();

        /** What it runs (the image's entry point replaced, as a service's command); unset: the image's own. */
        Optional<List<String>> command();

        /** Variables besides the database's connection variables. */
        Map<String, String> env();
    }

    /** Domain suffixes a template's host names must end with (besides the router's own domain on Docker). */
    Optional<List<String>> allowedHostSuffixes();

    /** {@code stagecraft.runtime.*}: which runtimes there are, and how they run services. */
    interface Runtime extends RuntimeChoice {

        /** How long a service may take to become ready. */
        @WithDefault("PT2M")
        Duration readinessTimeout();

        DockerDefaults docker();

        KubernetesIngress kubernetes();
    }

    /** {@code stagecraft.runtime.docker.*}: limits of a container whose template sets none. */
    interface DockerDefaults {

        @WithDefault("512Mi")
        String defaultMemory();

        /** CPUs, fractions allowed. */
        @WithDefault("1")
        String defaultCpu();

        /** Processes. */
        @WithDefault("512")
        long defaultPids();
    }

    /** {@code stagecraft.runtime.kubernetes.*}; each unset: the cluster's default, or none. */
    interface KubernetesIngress {

        /** The IngressClass of every Ingress. */
        Optional<String> ingressClass();

        /** A wildcard certificate Secret of the Stagecraft namespace, copied into every environment namespace. */
        Optional<String> tlsSecret();

        /** A cert-manager ClusterIssuer that makes a certificate per host. */
        Optional<String> clusterIssuer();

        /** The registry pull Secret of the Stagecraft namespace, copied into every environment namespace. */
        Optional<String> pullSecret();

        /** The StorageClass of every PersistentVolumeClaim. */
        Optional<String> storageClass();

        /** {@code stagecraft.runtime.kubernetes.datasets.*}: where and how the datasets' snapshots and copies live. */
        KubernetesDatasetsConfig datasets();
    }

    /** {@code stagecraft.runtime.kubernetes.datasets.*}. */
    interface KubernetesDatasetsConfig {

        /** The namespace of snapshots, pool copies and their Jobs; created, labelled managed-by, when missing. */
        @WithDefault("stagecraft-datasets")
        String namespace();

        /**
         * The StorageClass of snapshots and copies: its CSI driver must clone volumes ({@code spec.dataSource}); unset:
         * {@code stagecraft.runtime.kubernetes.storage-class}, else the cluster's default.
         */
        Optional<String> storageClass();

        /** The size of a snapshot and of each copy (a Kubernetes quantity). */
        @WithDefault("10Gi")
        String size();

        /**
         * The largest dump (with its obfuscation SQL) handed to a restore Job, in ConfigMaps of under 1 MiB each;
         * a bigger one is refused.
         */
        @WithDefault("64Mi")
        String maxDumpSize();
    }

    /** {@code stagecraft.router.*}: the Caddy router environments are published through. */
    interface Router {

        /** Caddy's admin API; unset: no router, endpoints are the services' addresses on their networks. */
        Optional<String> adminUrl();

        /** The Caddy server the routes are added to. */
        @WithDefault("stagecraft")
        String server();

        /** Environments are published as {@code <service>-<environment>.<base domain>}. */
        @WithDefault("localhost")
        String baseDomain();

        /** http or https: the scheme of endpoint URLs. */
        @WithDefault("http")
        String scheme();

        /** The port users reach the router on. */
        @WithDefault("80")
        int publicPort();

        /**
         * Where the router listens ({@code host:port}), which a request woken from a sleeping environment is handed
         * back to; unset: {@code 127.0.0.1:<public port>}.
         */
        Optional<String> selfAddress();
    }

    /** {@code stagecraft.docker.*}. */
    interface Docker {

        /** The Docker engine's API. */
        @WithDefault("unix:///var/run/docker.sock")
        String host();
    }
}
