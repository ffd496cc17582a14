// JVM (Java/Kotlin) runtime names → source interpretations: `$` nesting, `$1` anonymous, `$$Lambda`, proxies, `lambda$m$0`, `FooKt`.
import type { CodeRef } from '../../../shared/model';
import { baseKey, type FileHint, type RefKey } from '../common';

const THIRD_PARTY = ['java.', 'javax.', 'jakarta.', 'jdk.', 'sun.', 'com.sun.', 'kotlin.', 'kotlinx.', 'org.springframework.', 'org.apache.',
  'io.opentelemetry.', 'com.fasterxml.', 'org.hibernate.', 'io.netty.', 'reactor.', 'org.eclipse.', 'com.google.common.', 'io.grpc.',
  'okhttp3.', 'feign.', 'org.jboss.', 'io.micrometer.', 'ch.qos.logback.', 'org.slf4j.', 'com.zaxxer.', 'io.quarkus.', 'io.micronaut.'];

/** Proxy/enhancer classes generated at run time name the user class before their marker. */
const PROXY = /(\$\$SpringCGLIB\$\$\w*|\$\$EnhancerBySpringCGLIB\$\$\w*|\$\$EnhancerByCGLIB\$\$\w*|\$\$FastClassBySpringCGLIB\$\$\w*|\$\$EnhancerByGuice\$\$\w*|\$\$EnhancerByMockitoWithCGLIB\$\$\w*|\$ByteBuddy\$[\w$]*|\$MockitoMock\$\w*|\$HibernateProxy\$\w*|\$Proxy\$_\$\$_Weld\w*|\$\$_WeldSubclass|_\$\$_jvst\w*)/;
const LAMBDA = /\$\$Lambda(?:\$\d+)?(?:[/.]0x[0-9a-fA-F]+)?(?:\/\d+)?$|\$\$Lambda.*$/;

export function isJvmThirdParty(ns: string): boolean {
  return THIRD_PARTY.some((p) => ns.startsWith(p));
}

export function looksJvm(ref: CodeRef): boolean {
  const ns = ref.namespace ?? '';
  return ns.includes('$') || ref.function.includes('$') || ref.function === '<init>' || ref.function === '<clinit>' ||
    /\.(java|kt|kts|groovy|scala)$/.test(ref.filePath ?? '');
}

export function javaKeys(ref: CodeRef): RefKey[] {
  if (ref.namespace === null) return [];
  let cls = ref.namespace.trim();
  const notes: string[] = [];
  let confidence = 0.95;
  const proxy = PROXY.exec(cls);
  if (proxy) {
    cls = cls.slice(0, proxy.index);
    notes.push('runtime proxy class stripped');
  }
  let lambdaClass = false;
  const lam = LAMBDA.exec(cls);
  if (lam) {
    cls = cls.slice(0, lam.index);
    lambdaClass = true;
  }
  const dot = cls.lastIndexOf('.');
  const pkg = dot > 0 ? cls.slice(0, dot) : null;
  const binary = dot > 0 ? cls.slice(dot + 1) : cls;
  if (binary === '' || !/^[\p{L}_$][\p{L}\p{N}_$]*$/u.test(binary)) return [];
  const segs = binary.split('$').filter((s) => s !== '');
  if (segs.length === 0) return [];
  let fn: string | null = ref.function.trim();
  let constructor = false;
  // Kotlin lambdas compiled to classes: Outer$fn$1 → inside fn of Outer.
  const types: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i]!;
    const next = segs[i + 1];
    if (i > 0 && /^[a-z]/.test(s) && next !== undefined && /^\d+$/.test(next) && !/^\d+$/.test(s)) {
      fn = s;
      notes.push(`Kotlin lambda class inside ${s}`);
      confidence = 0.8;
      break;
    }
    types.push(s);
  }
  const m = fn !== null ? /^lambda\$(.+?)\$\d+$/.exec(fn) : null;
  if (m) {
    fn = m[1] === 'static' || m[1] === 'new' ? null : m[1]!;
    notes.push(`lambda body in ${m[1]}`);
    confidence = Math.min(confidence, 0.85);
    lambdaClass = false;
  } else if (fn === '<init>') {
    fn = types[types.length - 1] ?? null;
    constructor = true;
  } else if (fn === '<clinit>') {
    fn = null;
    notes.push('static initialiser');
    confidence = 0.6;
  } else if (fn !== null) {
    fn = fn.replace(/\$default$/, '').replace(/-[\w]{5,8}$/, '').replace(/\$suspendImpl$/, '');
    if (lambdaClass) {
      notes.push(`lambda object (${fn}); pointing at the enclosing class`);
      fn = null;
      confidence = 0.4;
    }
  }
  if (/^\d+$/.test(types[types.length - 1] ?? '') && fn !== null) {
    notes.push(`anonymous class $${types[types.length - 1]}`);
    confidence = Math.min(confidence, 0.85);
  }
  if (types.some((t) => /^\d+$/.test(t)) && fn === null) confidence = Math.min(confidence, 0.4);
  const top = types[0]!;
  const dirs = pkg ? pkg.split('.') : [];
  const hints: FileHint[] = [{ dirs, stems: [top], looseStem: false, exts: ['java', 'kt', 'groovy', 'scala'] }];
  const thirdParty = pkg !== null && isJvmThirdParty(`${pkg}.`);
  const note = notes.length > 0 ? notes.join('; ') : null;
  const keys: RefKey[] = [
    baseKey('jvm', { namespace: pkg, types, function: fn, isConstructor: constructor, note, confidence, fileHints: hints, thirdParty }),
  ];
  // Kotlin top-level functions live in `<File>Kt` (or an @file:JvmName class).
  if (types.length === 1 && fn !== null) {
    const stems = top.endsWith('Kt') ? [top.slice(0, -2)] : [];
    keys.push(baseKey('jvm', {
      namespace: pkg, types: [], function: fn, fileClass: top, note: note ?? (top.endsWith('Kt') ? `Kotlin file class ${top}` : `Kotlin @file:JvmName ${top}`),
      confidence: Math.min(confidence, 0.9), fileHints: [{ dirs, stems, looseStem: false, exts: ['kt'] }], thirdParty,
    }));
  }
  return keys;
}
