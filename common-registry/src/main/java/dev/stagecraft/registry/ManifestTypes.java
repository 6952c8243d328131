package dev.stagecraft.registry;

/** The manifest media types Stagecraft asks a registry for: Docker's and OCI's images and indexes. */
public final class ManifestTypes {

    public static final String DOCKER_IMAGE = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String OCI_IMAGE = "application/vnd.oci.image.manifest.v1+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    /** All of them, as an {@code Accept} header: without it a registry may answer with an older schema. */
    public static final String ACCEPT = DOCKER_IMAGE + ", " + OCI_IMAGE + ", " + DOCKER_LIST + ", " + OCI_INDEX;

    private ManifestTypes() {
    }
}
