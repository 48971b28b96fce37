import {describe, it, expect} from 'vitest';
import {NOT_A_JOIN_COMMAND, parseJoinInput} from '../../src/cluster/join-command.js';
import {parseJoinCommand} from '../../src/fixes/plans/cert-bootstrap.js';

const HASH = `sha256:${'c0ffee42'.repeat(8)}`;
const SECRET = '0123456789abcdef';

describe('parsing a kubeadm join command', () => {
  it('reads what --print-join-command prints, and masks the token secret', () => {
    const {input, tokenSecret} = parseJoinInput(`kubeadm join 10.0.0.1:6443 --token abcdef.${SECRET} --discovery-token-ca-cert-hash ${HASH}`);
    expect(input).toEqual({
      text: `kubeadm join 10.0.0.1:6443 --token abcdef.**************** --discovery-token-ca-cert-hash ${HASH}`,
      endpoint: '10.0.0.1:6443',
      tokenId: 'abcdef',
      tokenFormatValid: true,
      caHashes: [HASH],
      unsafeSkipCaVerification: false,
      problems: [],
    });
    expect(tokenSecret).toBe(SECRET);
  });

  it('takes --flag=value forms, sudo, a path to kubeadm, line continuations and repeated hashes', () => {
    const other = `sha256:${'f'.repeat(64)}`;
    const {input, tokenSecret} = parseJoinInput(
      `sudo -E /usr/bin/kubeadm join k8s.example.com:6443 \\\n  --discovery-token=abcdef.${SECRET} --discovery-token-ca-cert-hash=${HASH.toUpperCase().replace('SHA256', 'sha256')} \\\n  --discovery-token-ca-cert-hash ${other} --control-plane --certificate-key 0badc0de`,
    );
    expect(input.endpoint).toBe('k8s.example.com:6443');
    expect(input.tokenId).toBe('abcdef');
    expect(input.caHashes).toEqual([HASH, other]);
    expect(input.problems).toEqual([]);
    expect(input.text).toBe(
      `sudo -E /usr/bin/kubeadm join k8s.example.com:6443 --discovery-token=abcdef.**************** --discovery-token-ca-cert-hash=${HASH} --discovery-token-ca-cert-hash ${other} --control-plane --certificate-key ****`.replace(
        `=${HASH}`,
        `=${HASH.toUpperCase().replace('SHA256', 'sha256')}`,
      ),
    );
    expect(tokenSecret).toBe(SECRET);
  });

  it('accepts skipping CA verification instead of a pin, and an IPv6 endpoint', () => {
    const {input} = parseJoinInput(`kubeadm join [fd00::1]:6443 --token abcdef.${SECRET} --discovery-token-unsafe-skip-ca-verification`);
    expect(input).toMatchObject({endpoint: '[fd00::1]:6443', unsafeSkipCaVerification: true, caHashes: [], problems: []});
  });

  it('says what is missing: the endpoint, the token, a pin', () => {
    expect(parseJoinInput('kubeadm join --token abcdef.0123456789abcdef').input.problems).toEqual([
      'no API server endpoint HOST:PORT',
      'no --discovery-token-ca-cert-hash: kubeadm join refuses token discovery without a CA pin (or --discovery-token-unsafe-skip-ca-verification)',
    ]);
    const {input, tokenSecret} = parseJoinInput(`kubeadm join 10.0.0.1:6443 --discovery-token-ca-cert-hash ${HASH}`);
    expect(input).toMatchObject({tokenId: null, tokenFormatValid: false, problems: ['no --token (or --discovery-token)']});
    expect(tokenSecret).toBeNull();
    expect(parseJoinInput(`kubeadm join https://10.0.0.1:6443 --token abcdef.${SECRET} --discovery-token-ca-cert-hash ${HASH}`).input.problems).toEqual([
      'https://10.0.0.1:6443: the API server endpoint is not HOST:PORT',
    ]);
  });

  it('names a hash that is not sha256:<64 hex> and keeps only the good ones', () => {
    const {input} = parseJoinInput(
      `kubeadm join 10.0.0.1:6443 --token abcdef.${SECRET} --discovery-token-ca-cert-hash sha256:abc --discovery-token-ca-cert-hash md5:00 --discovery-token-ca-cert-hash ${HASH}`,
    );
    expect(input.caHashes).toEqual([HASH]);
    expect(input.problems).toEqual([
      '--discovery-token-ca-cert-hash sha256:abc: not sha256:<64 hex digits>',
      '--discovery-token-ca-cert-hash md5:00: unknown hash type (kubeadm takes sha256:<64 hex digits>)',
    ]);
  });

  it('flags a malformed token without ever showing its secret', () => {
    const {input, tokenSecret} = parseJoinInput(`kubeadm join 10.0.0.1:6443 --token ABCDEF.SuperSecretValue1 --discovery-token-ca-cert-hash ${HASH}`);
    expect(input).toMatchObject({
      tokenId: 'ABCDEF',
      tokenFormatValid: false,
      problems: ['the token ABCDEF.**************** is not of the form [a-z0-9]{6}.[a-z0-9]{16}'],
    });
    expect(tokenSecret).toBe('SuperSecretValue1');
    expect(JSON.stringify(input)).not.toContain('SuperSecret');
    const noDot = parseJoinInput(`kubeadm join 10.0.0.1:6443 --token ${SECRET}${SECRET} --discovery-token-ca-cert-hash ${HASH}`);
    expect(noDot.input.tokenId).toBeNull();
    expect(JSON.stringify(noDot.input)).not.toContain(SECRET);
  });

  it('masks the secret wherever it appears, and the TLS bootstrap token too', () => {
    const {input} = parseJoinInput(
      `kubeadm join 10.0.0.1:6443 --token abcdef.${SECRET} --tls-bootstrap-token ghijkl.zyxwvutsrqponmlk --node-name ${SECRET} --discovery-token-ca-cert-hash ${HASH}`,
    );
    expect(input.text).not.toContain(SECRET);
    expect(input.text).not.toContain('zyxwvutsrqponmlk');
    expect(input.text).toContain('--tls-bootstrap-token ghijkl.****************');
  });

  it('says when the text is not a join command', () => {
    expect(parseJoinInput('kubeadm token list').input.problems[0]).toBe(NOT_A_JOIN_COMMAND);
  });
});

describe('the cert-expiry fix wrapper', () => {
  it('returns the endpoint, the whole token and the pins', () => {
    expect(parseJoinCommand(`sudo kubeadm join 10.0.0.1:6443 --token=abcdef.${SECRET} --discovery-token-ca-cert-hash ${HASH}`)).toEqual({
      endpoint: '10.0.0.1:6443',
      token: `abcdef.${SECRET}`,
      caHashes: [HASH],
    });
  });

  it('keeps its reasons', () => {
    expect(parseJoinCommand('kubeadm token list')).toEqual({reason: NOT_A_JOIN_COMMAND});
    expect(parseJoinCommand(`kubeadm join --token abcdef.${SECRET}`)).toEqual({reason: 'the join command names no API server HOST:PORT'});
    expect(parseJoinCommand('kubeadm join 10.0.0.1:6443')).toEqual({reason: 'the join command has no valid --token (abcdef.0123456789abcdef)'});
  });
});
