import java.util.List;
import java.util.Map;
import javax.security.auth.login.AppConfigurationEntry;
import org.apache.kafka.common.security.oauthbearer.JwtValidator;
import org.apache.kafka.common.security.oauthbearer.JwtValidatorException;
import org.apache.kafka.common.security.oauthbearer.OAuthBearerToken;
import org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerIllegalTokenException;
import org.apache.kafka.common.security.oauthbearer.internals.unsecured.OAuthBearerUnsecuredJws;

/**
 * Lets Kafka's Java client use unsecured JWTs (alg "none", empty signature) from a token endpoint, as the test
 * broker's default OAUTHBEARER validator expects: the client's own ClientJwtValidator insists on a non-empty
 * signature section, so without this the Java client could not log in with the tokens the broker accepts.
 * Configured with {@code sasl.oauthbearer.jwt.validator.class=UnsecuredJwtValidator} (Kafka 4.1+).
 */
public final class UnsecuredJwtValidator implements JwtValidator {
  @Override
  public void configure(Map<String, ?> configs, String saslMechanism, List<AppConfigurationEntry> jaasConfigEntries) {}

  @Override
  public OAuthBearerToken validate(String jwt) throws JwtValidatorException {
    try {
      return new OAuthBearerUnsecuredJws(jwt, "sub", "scope");
    } catch (OAuthBearerIllegalTokenException e) {
      throw new JwtValidatorException("the token endpoint returned an unusable unsecured JWT: " + e.getMessage(), e);
    }
  }
}
