package dev.stagecraft.gateway.auth;

import java.time.OffsetDateTime;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A stream ticket, kept as a hash: it opens the event and log streams as its token would, until it expires. The
 * ticket itself is shown once, when it is issued.
 */
@Entity
@Table(name = "stream_ticket")
public class StreamTicket extends PanacheEntityBase {

    @Id
    @Column(name = "ticket_hash")
    public String ticketHash;
    @Column(name = "token_id")
    public String tokenId;
    @Column(name = "expires_at")
    public OffsetDateTime expiresAt;

    /** The token of an unexpired ticket, or null. */
    static ApiToken tokenOf(String ticket) {
        StreamTicket found = find("ticketHash = ?1 and expiresAt > ?2", ApiToken.hash(ticket), OffsetDateTime.now())
                .firstResult();
        return found == null ? null : ApiToken.findById(found.tokenId);
    }
}
